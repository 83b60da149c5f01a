// Message templates: the list (search in the URL) and the editor: per-channel content as JSON (channel starters
// offered), checked and rendered for a chosen member as it is edited (POST /api/templates/preview, debounced), saved
// as a new version.
import { useEffect, useState } from 'react';
import { App, Button, Card, Col, Empty, Form, Input, Row, Space, Spin, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import type { MessageTemplate, TemplatePreview } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { MemberPicker, PageHead } from '../../components/forms';
import { useAuth } from '../../auth';

const STARTERS: Record<string, unknown> = {
  sms: { text: '【品牌】{{ member.name | default: "亲爱的会员" }}，您有{{ loyalty.points_balance }}积分待使用。回T退订' },
  webhook: { body: { text: '你好 {{ member.name }}', user: '{{ member.user_id }}' } },
  email: { subject: '{{ member.name }}，本周会员专享', html: '<p>{{ member.name }}，您好！</p>' },
  wecom: { text: '{{ member.name }}，您好～本周会员日全场 8 折' },
  app_push: { title: '会员日', body: '{{ member.name }}，今天全场 8 折' },
};

export function Templates() {
  const { t, dt } = useI18n();
  const { can } = useAuth(); // actions only for who may take them (docs/permissions.md)
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const list = useLoad((signal) => api('get', '/api/templates', { query: { q: q || undefined, limit: 200 }, signal }), [q]);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageHead title="templates.title" extra={can('templates.write') ? <Link to="/engagement/templates/new"><Button type="primary" icon={<PlusOutlined />}>{t('templates.new')}</Button></Link> : null} />
      <Card>
        <Input.Search
          allowClear
          defaultValue={q}
          placeholder={t('templates.search')}
          style={{ maxWidth: 360, marginBottom: 16 }}
          onSearch={(v) => setParams(v ? { q: v } : {})}
        />
        <Async state={list} empty={(d) => d.data.length === 0}>
          {(d) => (
            <Table<MessageTemplate>
              rowKey="id"
              data-testid="templates-table"
              dataSource={d.data}
              columns={[
                { title: t('common.name'), dataIndex: 'name', render: (n: string, x) => <Link to={`/engagement/templates/${x.id}`}>{n}</Link> },
                { title: t('templates.channels'), dataIndex: 'channels', render: (c: string[]) => c.map((x) => <Tag key={x}>{x}</Tag>) },
                { title: t('templates.version'), dataIndex: 'current_version' },
                { title: t('templates.variables'), dataIndex: 'variables', render: (v: string[]) => <Typography.Text type="secondary" style={{ fontSize: 12 }}>{v.join(', ') || '—'}</Typography.Text> },
                { title: t('templates.updatedAt'), dataIndex: 'updated_at', render: (v: string) => dt(v) },
              ]}
            />
          )}
        </Async>
      </Card>
    </Space>
  );
}

/** Parses the editor's JSON; null when it does not parse. */
function parse(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

export function TemplateEditor() {
  const { ref } = useParams();
  const isNew = !ref || ref === 'new';
  const { t } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const member = params.get('member') ?? undefined;
  const [form] = Form.useForm<{ name: string; description?: string; content: string }>();
  const existing = useLoad((signal) => (isNew ? Promise.resolve(null) : api('get', '/api/templates/{ref}', { path: { ref: ref! }, signal })), [ref]);
  useEffect(() => {
    if (isNew) form.setFieldsValue({ name: '', content: JSON.stringify({ sms: STARTERS.sms }, null, 2) });
    else if (existing.data) form.setFieldsValue({ name: existing.data.name, description: existing.data.description ?? undefined, content: JSON.stringify(existing.data.content ?? {}, null, 2) });
  }, [existing.data, isNew, form]);
  const content = Form.useWatch('content', form) ?? '';
  const [preview, setPreview] = useState<{ data?: TemplatePreview; error?: unknown; loading: boolean }>({ loading: false });
  const [saveError, setSaveError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  // Live preview: the unsaved content rendered for the chosen member, 400 ms after the last keystroke.
  useEffect(() => {
    const parsed = parse(content);
    if (!member || !content || !parsed.ok) {
      setPreview({ loading: false });
      return;
    }
    const ctl = new AbortController();
    setPreview((p) => ({ ...p, loading: true }));
    const timer = setTimeout(() => {
      api('post', '/api/templates/preview', { body: { content: parsed.value, member }, signal: ctl.signal }).then(
        (data) => setPreview({ data, loading: false }),
        (error) => (error as Error).name !== 'AbortError' && setPreview({ error, loading: false }),
      );
    }, 400);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [content, member]);

  const save = async (v: { name: string; description?: string; content: string }) => {
    setSaving(true);
    setSaveError(null);
    try {
      const body = { name: v.name.trim(), ...(v.description ? { description: v.description } : {}), content: JSON.parse(v.content) };
      const saved = isNew ? await api('post', '/api/templates', { body }) : await api('patch', '/api/templates/{ref}', { path: { ref: ref! }, body });
      message.success(t('common.saved'));
      if (isNew) navigate(`/engagement/templates/${saved.id}${member ? `?member=${encodeURIComponent(member)}` : ''}`, { replace: true });
      else existing.reload();
    } catch (e) {
      setSaveError(e);
    } finally {
      setSaving(false);
    }
  };
  const addChannel = (ch: string) => {
    const parsed = parse(form.getFieldValue('content') ?? '{}');
    const obj = parsed.ok && parsed.value && typeof parsed.value === 'object' ? (parsed.value as Record<string, unknown>) : {};
    form.setFieldsValue({ content: JSON.stringify({ ...obj, [ch]: obj[ch] ?? STARTERS[ch] }, null, 2) });
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Link to="/engagement/templates">← {t('templates.title')}</Link>
      <PageHead title={isNew ? 'templates.new' : 'templates.edit'} sub={existing.data ? `v${existing.data.current_version}` : undefined} />
      {existing.error ? <ErrorAlert error={existing.error} onRetry={existing.reload} /> : null}
      <Row gutter={16}>
        <Col span={13}>
          <Card>
            <Form form={form} layout="vertical" onFinish={save}>
              <Form.Item name="name" label={t('common.name')} rules={[{ required: true, whitespace: true, message: t('form.required') }, { max: 100 }]}>
                <Input data-testid="template-name" />
              </Form.Item>
              <Form.Item name="description" label={t('common.description')}><Input /></Form.Item>
              <Space wrap style={{ marginBottom: 8 }}>
                <Typography.Text type="secondary">{t('templates.addChannel')}</Typography.Text>
                {Object.keys(STARTERS).map((ch) => <Button key={ch} size="small" onClick={() => addChannel(ch)}>{ch}</Button>)}
              </Space>
              <Form.Item
                name="content"
                label={t('templates.content')}
                extra={t('templates.contentHint')}
                rules={[{ required: true, message: t('form.required') }, { validator: async (_, v: string) => { const p = parse(v ?? ''); if (!p.ok) throw new Error(`${t('form.jsonInvalid')}: ${p.error}`); } }]}
              >
                <Input.TextArea data-testid="template-content" rows={16} spellCheck={false} style={{ fontFamily: 'ui-monospace, Menlo, monospace', fontSize: 12 }} />
              </Form.Item>
              {saveError ? <div style={{ marginBottom: 12 }}><ErrorAlert error={saveError} /></div> : null}
              <Button type="primary" htmlType="submit" loading={saving} data-testid="template-save">{t('common.save')}</Button>
            </Form>
          </Card>
        </Col>
        <Col span={11}>
          <Card title={t('templates.preview')} extra={<MemberPicker testId="preview-member" value={member} onChange={(v) => setParams(v ? { member: v } : {}, { replace: true })} />}>
            <Spin spinning={preview.loading}>
              {!member ? <Empty description={t('templates.pickMemberHint')} />
              : preview.error ? <ErrorAlert error={preview.error} />
              : preview.data ? <PreviewView p={preview.data} />
              : <div style={{ minHeight: 80 }} />}
            </Spin>
          </Card>
        </Col>
      </Row>
    </Space>
  );
}

/** Rendered text as shown: JSON bodies (webhook) indented, other text as is. */
function pretty(v: unknown): string {
  if (typeof v !== 'string') return JSON.stringify(v, null, 2);
  if (!/^\s*[{[]/.test(v)) return v;
  try {
    return JSON.stringify(JSON.parse(v), null, 2);
  } catch {
    return v;
  }
}

/** Scripts, forms, plugins and remote fetches other than images are off inside the preview (the sandbox is the guard). */
const PREVIEW_CSP = `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data: https: http:; style-src 'unsafe-inline'; font-src data: https:">`;

/**
 * Rendered email HTML as the member would see it, in a sandboxed frame: `sandbox=""` runs no script, submits no form
 * and gives the frame an opaque origin, so member data or template markup can never act on the console.
 */
function EmailFrame({ html }: { html: string }) {
  return (
    <iframe
      data-testid="preview-email-html-frame"
      title="email html"
      sandbox=""
      referrerPolicy="no-referrer"
      srcDoc={PREVIEW_CSP + html}
      style={{ width: '100%', height: 260, border: '1px solid #f0f0f0', borderRadius: 4, background: '#fff', marginBottom: 6 }}
    />
  );
}

function PreviewView({ p }: { p: TemplatePreview }) {
  const { t } = useI18n();
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="template-preview">
      {Object.entries(p.rendered).map(([ch, r]) => (
        <Card key={ch} size="small" type="inner" title={<Tag color="green">{ch}</Tag>}>
          {Object.entries(r).map(([k, v]) => (
            <div key={k} style={{ marginBottom: 6 }}>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>{k}</Typography.Text>
              {ch === 'email' && k === 'html' && typeof v === 'string' ? <EmailFrame html={v} /> : null}
              <pre data-testid={`preview-${ch}-${k}`} style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all', margin: 0, background: '#fafafa', padding: 8, borderRadius: 4, fontSize: 13 }}>
                {pretty(v)}
              </pre>
            </div>
          ))}
        </Card>
      ))}
      {Object.entries(p.failed).map(([ch, f]) => (
        <Card key={ch} size="small" type="inner" title={<Tag color="red">{ch}</Tag>}>
          <Typography.Text type="danger">{f.message ?? JSON.stringify(f)}</Typography.Text> {f.code ? <code>{f.code}</code> : null}
        </Card>
      ))}
      {p.examples_used.length > 0 ? <Typography.Text type="secondary">{t('templates.examplesUsed')}: {p.examples_used.join(', ')}</Typography.Text> : null}
    </Space>
  );
}

// Create or edit a dynamic segment: the visual rule builder with a live count (POST /api/segments/preview,
// debounced) as the rule changes, a sample of matching members, and save (POST or PATCH /api/segments).
import { useEffect, useMemo, useState } from 'react';
import { App, Button, Card, Col, Collapse, Form, Input, List, Row, Space, Spin, Statistic, Typography } from 'antd';
import { ArrowLeftOutlined } from '@ant-design/icons';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api } from '../api/client';
import type { Segment, SegmentPreview } from '../api/types';
import { useI18n } from '../i18n';
import { Async, ErrorAlert, useLoad } from '../components/state';
import { RuleBuilder } from '../segments/RuleBuilder';
import { asRootGroup, incomplete, type RuleNode } from '../segments/rule-model';

const PREVIEW_DELAY_MS = 400;

export function SegmentEditor() {
  const { ref } = useParams();
  const existing = useLoad((signal) => (ref ? api('get', '/api/segments/{ref}', { path: { ref }, signal }) : Promise.resolve(null)), [ref]);
  return (
    <Async state={existing} minHeight={300}>
      {(seg) => <Editor key={seg?.id ?? 'new'} segment={seg} />}
    </Async>
  );
}

function Editor({ segment }: { segment: Segment | null }) {
  const { t, num, dt } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [rule, setRule] = useState<RuleNode>(() => asRootGroup(segment?.rule ?? { and: [] }));
  const [preview, setPreview] = useState<{ data?: SegmentPreview; error?: unknown; loading: boolean }>({ loading: false });
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [form] = Form.useForm<{ name: string; description?: string }>();
  const tags = useLoad((signal) => api('get', '/api/tags', { signal }), []);
  const segments = useLoad((signal) => api('get', '/api/segments', { signal }), []);
  const ctx = useMemo(
    () => ({ tags: (tags.data?.data ?? []).map((x) => x.name), segments: (segments.data?.data ?? []).map((s) => ({ id: s.id, name: s.name })), selfId: segment?.id }),
    [tags.data, segments.data, segment?.id],
  );
  const ruleText = JSON.stringify(rule);
  const children = (rule.and ?? rule.or) as unknown[] | undefined;
  const emptyRule = Array.isArray(children) && children.length === 0;
  const unfinished = !emptyRule && incomplete(rule);

  useEffect(() => {
    if (emptyRule || unfinished) {
      setPreview({ loading: false });
      return;
    }
    const ctl = new AbortController();
    setPreview((p) => ({ ...p, loading: true }));
    const timer = setTimeout(() => {
      api('post', '/api/segments/preview', { body: { rule: JSON.parse(ruleText), sample: 5 }, signal: ctl.signal }).then(
        (data) => setPreview({ data, loading: false }),
        (error) => (error as Error).name !== 'AbortError' && setPreview({ error, loading: false }),
      );
    }, PREVIEW_DELAY_MS);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [ruleText, emptyRule, unfinished]);

  const save = async (v: { name: string; description?: string }) => {
    setSaving(true);
    setSaveError(null);
    try {
      const body = { name: v.name.trim(), description: v.description?.trim() || undefined, rule };
      const saved = segment
        ? await api('patch', '/api/segments/{ref}', { path: { ref: segment.id }, body })
        : await api('post', '/api/segments', { body: { ...body, kind: 'dynamic' } });
      message.success(t('builder.saved'));
      navigate(`/segments/${encodeURIComponent(saved.id)}`, { replace: true });
    } catch (e) {
      setSaveError(e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Link to="/segments"><ArrowLeftOutlined /> {t('segments.title')}</Link>
      <Typography.Title level={3} style={{ margin: 0 }}>{segment ? segment.name : t('segments.new')}</Typography.Title>
      <Row gutter={16}>
        <Col xs={24} xl={16}>
          <Card title={t('builder.title')}>
            {segment?.kind === 'static' ? (
              <Typography.Text type="secondary">{t('segments.kind.static')}</Typography.Text>
            ) : (
              <RuleBuilder value={rule} onChange={setRule} ctx={ctx} />
            )}
            <Collapse
              ghost
              style={{ marginTop: 12 }}
              items={[{ key: 'json', label: t('builder.json'), children: <pre data-testid="rule-json" style={{ fontSize: 12, whiteSpace: 'pre-wrap' }}>{JSON.stringify(rule, null, 2)}</pre> }]}
            />
          </Card>
        </Col>
        <Col xs={24} xl={8}>
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <Card>
              <Spin spinning={preview.loading}>
                <Statistic
                  title={t('builder.liveCount')}
                  value={preview.data && !preview.error && !unfinished && !emptyRule ? num(preview.data.count) : '—'}
                  suffix={preview.data && !preview.error ? t('common.members') : undefined}
                  valueRender={(n) => <span data-testid="live-count">{n}</span>}
                />
              </Spin>
              {unfinished && <Typography.Text type="secondary">{t('builder.incomplete')}</Typography.Text>}
              {preview.error && !unfinished ? <div style={{ marginTop: 8 }}><ErrorAlert error={preview.error} /></div> : null}
              {preview.data && !preview.error && !unfinished && !emptyRule && preview.data.sample.length > 0 && (
                <List
                  size="small"
                  header={t('builder.sample')}
                  dataSource={preview.data.sample}
                  renderItem={(m) => (
                    <List.Item>
                      <Link to={`/members/${encodeURIComponent(m.id)}`}>{m.name || m.id}</Link>
                      <Typography.Text type="secondary">{m.phone ?? ''}</Typography.Text>
                    </List.Item>
                  )}
                />
              )}
            </Card>
            <Card>
              <Form form={form} layout="vertical" initialValues={{ name: segment?.name, description: segment?.description ?? undefined }} onFinish={save}>
                <Form.Item name="name" label={t('builder.name')} rules={[{ required: true, whitespace: true, message: t('builder.nameRequired') }, { max: 200 }]}>
                  <Input data-testid="segment-name" />
                </Form.Item>
                <Form.Item name="description" label={t('builder.description')}>
                  <Input.TextArea autoSize={{ minRows: 2 }} />
                </Form.Item>
                {saveError ? <div style={{ marginBottom: 12 }}><ErrorAlert error={saveError} /></div> : null}
                <Button type="primary" htmlType="submit" loading={saving} disabled={emptyRule} data-testid="segment-save">{t('common.save')}</Button>
              </Form>
              {segment && (
                <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>
                  {t('segments.col.size')}: {num(segment.member_count)} · {t('segments.col.computed')}: {dt(segment.last_computed_at)} ·{' '}
                  <Link to={`/members?segment=${encodeURIComponent(segment.id)}`}>{t('menu.members')}</Link>
                </Typography.Paragraph>
              )}
            </Card>
          </Space>
        </Col>
      </Row>
    </Space>
  );
}

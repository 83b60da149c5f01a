// Community SOPs: scheduled group posts (cron + time zone, text or a saved template, a WeCom channel, target groups).
// List with enable switch, create/edit form validated before submit, run now (once per tick and group), delete.
import { useState } from 'react';
import { App, Button, Col, Form, Input, Modal, Popconfirm, Radio, Row, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api } from '../../api/client';
import type { Sop, SopTargets } from '../../api/types';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { Async, ErrorAlert, useLoad } from '../../components/state';

/** Five (or six, with seconds) cron fields; the server's scheduler checks the rest. */
const CRON = /^\s*(\S+\s+){4,5}\S+\s*$/;

function targetsText(x: SopTargets, t: (k: 'community.allGroups') => string, names: Map<string, string>): string {
  const parts: string[] = [];
  if (x.groups?.length) parts.push(x.groups.map((g) => names.get(g) ?? g).join('、'));
  for (const k of ['positioning', 'value_tier', 'tag', 'owner'] as const) if (x[k]) parts.push(`${k}=${x[k]}`);
  return parts.length ? parts.join(' · ') : t('community.allGroups');
}

export function Sops() {
  const { t, dt } = useI18n();
  const { message, modal } = App.useApp();
  const sops = useLoad((signal) => api('get', '/api/community/sops', { signal }), []);
  const groups = useLoad(async (signal) => (await api('get', '/api/community/groups', { query: { status: 'active' }, signal })).data, []);
  const channels = useLoad(async (signal) => (await api('get', '/api/messaging/channels', { signal })).data, []);
  const [editing, setEditing] = useState<Sop | 'new' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const names = new Map((groups.data ?? []).flatMap((g) => [[g.id, g.name ?? g.chat_id], [g.chat_id, g.name ?? g.chat_id]] as Array<[string, string]>));
  const channelName = new Map((channels.data ?? []).map((c) => [c.id, c.name]));
  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      sops.reload();
    } catch (e) {
      setError(e);
    }
  };
  const runNow = (s: Sop) =>
    act(async () => {
      const r = await api('post', '/api/community/sops/{ref}/run', { path: { ref: s.id }, body: {} });
      modal.info({
        title: `${t('community.runDone')} · ${s.name}`,
        content: r.disabled ? t('community.sopDisabled') : `${t('community.runGroups')} ${r.groups} · ${t('community.runSent')} ${r.sent} · ${t('community.runFailed')} ${r.failed} · ${t('community.runSkipped')} ${r.skipped}`,
      });
    });
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <div style={{ display: 'flex', justifyContent: 'space-between' }}>
        <Typography.Text type="secondary">{t('community.sopHint')}</Typography.Text>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="sop-new">{t('community.sopNew')}</Button>
      </div>
      {error ? <ErrorAlert error={error} /> : null}
      <Async state={sops} empty={(d) => d.data.length === 0}>
        {(d) => (
          <Table<Sop>
            rowKey="id"
            size="small"
            data-testid="sops-table"
            dataSource={d.data}
            pagination={false}
            columns={[
              { title: t('common.name'), dataIndex: 'name' },
              { title: t('community.cron'), render: (_, s) => <Space direction="vertical" size={0}><code>{s.cron}</code><Typography.Text type="secondary" style={{ fontSize: 12 }}>{s.timezone}</Typography.Text></Space> },
              { title: t('community.content'), render: (_, s) => (s.template ? <Tag color="purple">{t('community.template')}: {s.template}</Tag> : <Typography.Text ellipsis style={{ maxWidth: 260 }}>{s.content?.text ?? '—'}</Typography.Text>) },
              { title: t('community.channel'), dataIndex: 'channel', render: (c: string) => channelName.get(c) ?? c },
              { title: t('community.targets'), dataIndex: 'targets', render: (x: SopTargets) => targetsText(x, t, names) },
              { title: t('community.lastTick'), dataIndex: 'last_tick', render: (v: string | null) => dt(v) },
              { title: t('settings.enabled'), dataIndex: 'enabled', render: (on: boolean, s) => <Switch size="small" checked={on} onChange={(v) => act(() => api('patch', '/api/community/sops/{ref}', { path: { ref: s.id }, body: { enabled: v } }))} /> },
              {
                title: '',
                render: (_, s) => (
                  <Space>
                    <Button size="small" onClick={() => setEditing(s)}>{t('settings.edit')}</Button>
                    <Popconfirm title={t('community.runConfirm')} okText={t('community.runNow')} cancelText={t('common.cancel')} onConfirm={() => runNow(s)}>
                      <Button size="small" data-testid={`sop-run-${s.name}`}>{t('community.runNow')}</Button>
                    </Popconfirm>
                    <Popconfirm title={t('community.sopDeleteConfirm')} okText={t('common.delete')} cancelText={t('common.cancel')} onConfirm={() => act(() => api('delete', '/api/community/sops/{ref}', { path: { ref: s.id } }))}>
                      <Button size="small" danger>{t('common.delete')}</Button>
                    </Popconfirm>
                  </Space>
                ),
              },
            ]}
          />
        )}
      </Async>
      {editing ? (
        <SopForm
          sop={editing === 'new' ? null : editing}
          groups={(groups.data ?? []).map((g) => ({ value: g.id, label: g.name ?? g.chat_id }))}
          channels={(channels.data ?? []).filter((c) => c.type === 'wecom').map((c) => ({ value: c.id, label: c.name }))}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            message.success(t('common.saved'));
            sops.reload();
          }}
        />
      ) : null}
    </Space>
  );
}

interface SopFormValues {
  name: string;
  cron: string;
  timezone: string;
  channel: string;
  mode: 'text' | 'template';
  text?: string;
  template?: string;
  groups?: string[];
  positioning?: string;
  value_tier?: string;
  tag?: string;
  owner?: string;
  enabled: boolean;
}

const ZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone');
  } catch {
    return ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Taipei', 'Asia/Singapore', 'Asia/Tokyo', 'Europe/London', 'America/New_York', 'UTC'];
  }
})();

function SopForm({ sop, groups, channels, onClose, onSaved }: { sop: Sop | null; groups: Array<{ value: string; label: string }>; channels: Array<{ value: string; label: string }>; onClose(): void; onSaved(): void }) {
  const { t } = useI18n();
  const { workspace } = useAuth();
  const [form] = Form.useForm<SopFormValues>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const mode = Form.useWatch('mode', form);
  const templates = useLoad(async (signal) => (await api('get', '/api/templates', { query: { limit: 200 }, signal })).data.filter((x) => x.channels.includes('wecom')), []);
  const initial: Partial<SopFormValues> = sop
    ? { name: sop.name, cron: sop.cron, timezone: sop.timezone, channel: sop.channel, mode: sop.template ? 'template' : 'text', text: sop.content?.text, template: sop.template ?? undefined, ...sop.targets, enabled: sop.enabled }
    : { cron: '0 10 * * 1', timezone: workspace?.timezone ?? 'Asia/Shanghai', mode: 'text', enabled: true, channel: channels.length === 1 ? channels[0].value : undefined };
  const submit = async (v: SopFormValues) => {
    setSaving(true);
    setError(null);
    try {
      const targets: SopTargets = {};
      if (v.groups?.length) targets.groups = v.groups;
      for (const k of ['positioning', 'value_tier', 'tag', 'owner'] as const) if (v[k]?.trim()) targets[k] = v[k]!.trim();
      const what = v.mode === 'template' ? { template: v.template! } : { content: { ...(sop?.content ?? {}), text: v.text! } };
      const body = { cron: v.cron.trim(), timezone: v.timezone, channel: v.channel, targets, enabled: v.enabled, ...what };
      if (sop) await api('patch', '/api/community/sops/{ref}', { path: { ref: sop.id }, body });
      else await api('post', '/api/community/sops', { body: { name: v.name.trim(), ...body } });
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open width={720} title={sop ? `${t('community.sopEdit')} · ${sop.name}` : t('community.sopNew')} onCancel={onClose} onOk={() => form.submit()} okText={t('common.save')} cancelText={t('common.cancel')} confirmLoading={saving} okButtonProps={{ 'data-testid': 'sop-submit' }} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={initial} onFinish={submit}>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="name" label={t('common.name')} rules={[{ required: true, whitespace: true, message: t('form.required') }, { max: 200 }]}>
              <Input disabled={Boolean(sop)} data-testid="sop-name" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="channel" label={t('community.wecomChannel')} rules={[{ required: true, message: t('form.required') }]} extra={channels.length ? undefined : t('community.noWecom')}>
              <Select options={channels} data-testid="sop-channel" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="cron" label={t('community.cron')} extra={t('community.cronHint')} rules={[{ required: true, message: t('form.required') }, { pattern: CRON, message: t('community.cronInvalid') }]}>
              <Input style={{ fontFamily: 'ui-monospace, Menlo, monospace' }} data-testid="sop-cron" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="timezone" label={t('workspace.timezone')} rules={[{ required: true, message: t('form.required') }]}>
              <Select showSearch options={ZONES.map((z) => ({ value: z, label: z }))} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="mode" label={t('community.content')}>
          <Radio.Group optionType="button" options={[{ value: 'text', label: t('community.text') }, { value: 'template', label: t('community.template') }]} />
        </Form.Item>
        {mode === 'template' ? (
          <Form.Item name="template" rules={[{ required: true, message: t('form.required') }]} extra={t('community.templateHint')}>
            <Select showSearch loading={templates.loading} options={(templates.data ?? []).map((x) => ({ value: x.id, label: x.name }))} placeholder={t('community.template')} />
          </Form.Item>
        ) : (
          <Form.Item name="text" rules={[{ required: true, whitespace: true, message: t('form.required') }, { max: 4000 }]} extra={t('community.textHint')}>
            <Input.TextArea rows={4} data-testid="sop-text" placeholder="{{ group.name }} 的朋友们，本周会员日…" />
          </Form.Item>
        )}
        <Typography.Title level={5}>{t('community.targets')}</Typography.Title>
        <Typography.Paragraph type="secondary">{t('community.targetsHint')}</Typography.Paragraph>
        <Form.Item name="groups" label={t('community.groups')}>
          <Select mode="multiple" allowClear options={groups} optionFilterProp="label" />
        </Form.Item>
        <Row gutter={12}>
          {(['positioning', 'value_tier', 'tag', 'owner'] as const).map((k) => (
            <Col span={6} key={k}>
              <Form.Item name={k} label={t(`community.${k}`)} rules={[{ max: 200 }]}><Input allowClear /></Form.Item>
            </Col>
          ))}
        </Row>
        <Form.Item name="enabled" label={t('settings.enabled')} valuePropName="checked"><Switch /></Form.Item>
        {error ? <ErrorAlert error={error} /> : null}
      </Form>
    </Modal>
  );
}

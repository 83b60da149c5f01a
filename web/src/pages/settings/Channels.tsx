// Settings → messaging channels: the list (type, enabled, which credentials are set), create and edit in a form per
// channel type, enable/disable. Secrets are never shown back: a stored one reads "已设置 / set" and can only be replaced.
import { useState } from 'react';
import { App, Button, Card, Col, Collapse, Form, Input, InputNumber, Modal, Popconfirm, Row, Select, Space, Switch, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api } from '../../api/client';
import type { ChannelView } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { PageHead } from '../../components/forms';
import { buildConfig, CHANNEL_FIELDS, CHANNEL_SECRETS, CHANNEL_TYPES, MASK, REQUIRED_SECRETS, splitConfig, type ChannelField, type ChannelType } from './channel-fields';
import { useAuth } from '../../auth';

export function Channels() {
  const { t, dt } = useI18n();
  const { can } = useAuth(); // actions only for who may take them (docs/permissions.md)
  const { message } = App.useApp();
  const list = useLoad(async (signal) => (await api('get', '/api/messaging/channels', { signal })).data as unknown as ChannelView[], []);
  const [editing, setEditing] = useState<ChannelView | 'new' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const toggle = async (c: ChannelView, enabled: boolean) => {
    setError(null);
    try {
      await api('put', '/api/messaging/channels/{ref}', { path: { ref: c.id }, body: { type: c.type as ChannelType, config: c.config, enabled } });
      message.success(t('common.saved'));
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  const remove = async (c: ChannelView) => {
    setError(null);
    try {
      await api('delete', '/api/messaging/channels/{ref}', { path: { ref: c.id } });
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageHead title="settings.channels" sub={t('settings.channelsHint')} extra={can('settings.write') ? <Button type="primary" icon={<PlusOutlined />} data-testid="channel-new" onClick={() => setEditing('new')}>{t('settings.channelNew')}</Button> : null} />
      {error ? <ErrorAlert error={error} /> : null}
      <Card>
        <Async state={list} empty={(d) => d.length === 0}>
          {(d) => (
            <Table<ChannelView>
              rowKey="id"
              data-testid="channels-table"
              dataSource={d}
              pagination={false}
              columns={[
                { title: t('common.name'), dataIndex: 'name', render: (n: string, c) => <Space direction="vertical" size={0}><Typography.Text strong>{n}</Typography.Text><Typography.Text type="secondary" copyable style={{ fontSize: 12 }}>{c.id}</Typography.Text></Space> },
                { title: t('settings.channelType'), dataIndex: 'type', render: (x: string) => <Tag color="blue">{t(`settings.type.${x}` as 'settings.type.webhook')}</Tag> },
                {
                  title: t('settings.credentials'),
                  render: (_, c) => (
                    <Space size={4} wrap data-testid={`channel-secrets-${c.name}`}>
                      {c.secret_fields.map((f) => (c.config[f] === MASK ? <Tag key={f} color="green">{f}: {t('settings.secretSet')}</Tag> : <Tag key={f}>{f}: {t('settings.secretUnset')}</Tag>))}
                    </Space>
                  ),
                },
                { title: t('settings.enabled'), dataIndex: 'enabled', render: (on: boolean, c) => <Switch size="small" checked={on} data-testid={`channel-enabled-${c.name}`} onChange={(v) => toggle(c, v)} /> },
                { title: t('settings.updatedAt'), dataIndex: 'updated_at', render: (v: string) => dt(v) },
                {
                  title: '',
                  render: (_, c) => (
                    <Space>
                      <Button size="small" data-testid={`channel-edit-${c.name}`} onClick={() => setEditing(c)}>{t('settings.edit')}</Button>
                      <Popconfirm title={t('settings.channelDeleteConfirm')} okText={t('common.delete')} cancelText={t('common.cancel')} onConfirm={() => remove(c)}>
                        <Button size="small" danger>{t('common.delete')}</Button>
                      </Popconfirm>
                    </Space>
                  ),
                },
              ]}
            />
          )}
        </Async>
      </Card>
      {editing ? (
        <ChannelForm
          channel={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            message.success(t('common.saved'));
            list.reload();
          }}
        />
      ) : null}
    </Space>
  );
}

interface ChannelFormValues {
  name: string;
  type: ChannelType;
  enabled: boolean;
  f: Record<string, unknown>;
  s: Record<string, string | undefined>;
  advanced: string;
  timeout_ms?: number | null;
  retries?: number | null;
  rate_limit_per_second?: number | null;
}

function ChannelForm({ channel, onClose, onSaved }: { channel: ChannelView | null; onClose(): void; onSaved(): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<ChannelFormValues>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const type = (Form.useWatch('type', form) ?? channel?.type ?? 'webhook') as ChannelType;
  const split = channel ? splitConfig(channel.type as ChannelType, channel.config, channel.secret_fields) : null;
  const secretFields = channel && channel.type === type ? channel.secret_fields : CHANNEL_SECRETS[type];
  const initial: Partial<ChannelFormValues> = channel
    ? {
      name: channel.name, type: channel.type as ChannelType, enabled: channel.enabled, f: split!.fields, s: {},
      advanced: Object.keys(split!.rest).length ? JSON.stringify(split!.rest, null, 2) : '',
      timeout_ms: channel.options.timeout_ms ?? null, retries: channel.options.retries ?? null, rate_limit_per_second: channel.options.rate_limit_per_second ?? null,
    }
    : { type: 'webhook', enabled: true, f: {}, s: {}, advanced: '' };
  const submit = async (v: ChannelFormValues) => {
    setSaving(true);
    setError(null);
    try {
      const rest = v.advanced?.trim() ? (JSON.parse(v.advanced) as Record<string, unknown>) : {};
      const config = buildConfig(v.f ?? {}, rest, v.s ?? {});
      const options: Record<string, number | null> = {};
      if (typeof v.timeout_ms === 'number') options.timeout_ms = v.timeout_ms;
      if (typeof v.retries === 'number') options.retries = v.retries;
      if (v.rate_limit_per_second !== undefined) options.rate_limit_per_second = v.rate_limit_per_second ?? null;
      if (channel) await api('put', '/api/messaging/channels/{ref}', { path: { ref: channel.id }, body: { name: v.name.trim(), type: v.type, config, options, enabled: v.enabled } });
      else await api('post', '/api/messaging/channels', { body: { name: v.name.trim(), type: v.type, config, options, enabled: v.enabled } });
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  const setSecrets = channel && channel.type === type ? split!.setSecrets : [];
  return (
    <Modal
      open
      width={720}
      title={channel ? `${t('settings.channelEdit')} · ${channel.name}` : t('settings.channelNew')}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      okButtonProps={{ 'data-testid': 'channel-submit' }}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" initialValues={initial} onFinish={submit}>
        <Row gutter={12}>
          <Col span={10}>
            <Form.Item name="name" label={t('common.name')} rules={[{ required: true, whitespace: true, message: t('form.required') }, { max: 100 }]}>
              <Input data-testid="channel-name" />
            </Form.Item>
          </Col>
          <Col span={9}>
            <Form.Item name="type" label={t('settings.channelType')}>
              <Select data-testid="channel-type" disabled={Boolean(channel)} options={CHANNEL_TYPES.map((x) => ({ value: x, label: t(`settings.type.${x}` as 'settings.type.webhook') }))} />
            </Form.Item>
          </Col>
          <Col span={5}>
            <Form.Item name="enabled" label={t('settings.enabled')} valuePropName="checked">
              <Switch />
            </Form.Item>
          </Col>
        </Row>
        <Row gutter={12}>
          {CHANNEL_FIELDS[type].map((f) => (
            <Col span={f.kind === 'bool' ? 6 : 12} key={`${type}.${f.key}`}>
              <ConfigField field={f} />
            </Col>
          ))}
        </Row>
        <Typography.Title level={5}>{t('settings.credentials')}</Typography.Title>
        <Typography.Paragraph type="secondary">{t('settings.secretsHint')}</Typography.Paragraph>
        <Row gutter={12}>
          {secretFields.map((f) => (
            <Col span={12} key={`${type}.${f}`}>
              <Form.Item
                name={['s', f]}
                label={<code>{f}</code>}
                rules={!channel && REQUIRED_SECRETS[type]?.includes(f) ? [{ required: true, message: t('form.required') }] : []}
              >
                <SecretInput isSet={setSecrets.includes(f)} testId={`channel-secret-${f}`} />
              </Form.Item>
            </Col>
          ))}
        </Row>
        <Collapse
          size="small"
          items={[{
            key: 'adv',
            label: t('settings.advanced'),
            children: (
              <>
                <Row gutter={12}>
                  <Col span={8}>
                    <Form.Item name="timeout_ms" label={t('settings.timeoutMs')}><InputNumber min={10} max={120000} style={{ width: '100%' }} /></Form.Item>
                  </Col>
                  <Col span={8}>
                    <Form.Item name="retries" label={t('settings.retries')}><InputNumber min={0} max={10} style={{ width: '100%' }} /></Form.Item>
                  </Col>
                  <Col span={8}>
                    <Form.Item name="rate_limit_per_second" label={t('settings.rateLimit')}><InputNumber min={0.01} style={{ width: '100%' }} placeholder="∞" /></Form.Item>
                  </Col>
                </Row>
                <Form.Item
                  name="advanced"
                  label={t('settings.advancedConfig')}
                  extra={t('settings.advancedConfigHint')}
                  rules={[{
                    validator: async (_, v: string) => {
                      if (!v?.trim()) return;
                      let x: unknown;
                      try {
                        x = JSON.parse(v);
                      } catch (e) {
                        throw new Error(`${t('form.jsonInvalid')}: ${(e as Error).message}`);
                      }
                      if (!x || typeof x !== 'object' || Array.isArray(x)) throw new Error(t('settings.jsonObject'));
                    },
                  }]}
                >
                  <Input.TextArea rows={5} spellCheck={false} style={{ fontFamily: 'ui-monospace, Menlo, monospace', fontSize: 12 }} placeholder='{"headers": {"X-Brand": "cha"}}' />
                </Form.Item>
              </>
            ),
          }]}
        />
        {error ? <div style={{ marginTop: 12 }}><ErrorAlert error={error} /></div> : null}
      </Form>
    </Modal>
  );
}

function ConfigField({ field }: { field: ChannelField }) {
  const { t } = useI18n();
  const rules = [
    ...(field.required ? [{ required: true, message: t('form.required') }] : []),
    ...(field.kind === 'url' ? [{ type: 'url' as const, message: t('settings.urlInvalid') }] : []),
    ...(field.kind === 'email' ? [{ type: 'email' as const, message: t('settings.emailInvalid') }] : []),
  ];
  const label = <code>{field.key}</code>;
  const name = ['f', field.key];
  if (field.kind === 'bool') return <Form.Item name={name} label={label} valuePropName="checked"><Switch /></Form.Item>;
  if (field.kind === 'number') return <Form.Item name={name} label={label} rules={rules}><InputNumber min={1} style={{ width: '100%' }} placeholder={field.placeholder} /></Form.Item>;
  if (field.kind === 'select') return <Form.Item name={name} label={label}><Select allowClear placeholder={field.options?.[0]} options={field.options?.map((o) => ({ value: o, label: o }))} /></Form.Item>;
  return <Form.Item name={name} label={label} rules={rules}><Input data-testid={`channel-field-${field.key}`} placeholder={field.placeholder} /></Form.Item>;
}

/** A secret: "set" with a Replace button when one is stored, else a password input. Never holds the stored value. */
function SecretInput({ isSet, value, onChange, testId }: { isSet: boolean; value?: string; onChange?: (v: string | undefined) => void; testId: string }) {
  const { t } = useI18n();
  const [replacing, setReplacing] = useState(false);
  if (isSet && !replacing) {
    return (
      <Space>
        <Tag color="green" data-testid={`${testId}-set`}>{t('settings.secretSet')}</Tag>
        <Button size="small" data-testid={`${testId}-replace`} onClick={() => setReplacing(true)}>{t('settings.secretReplace')}</Button>
      </Space>
    );
  }
  return (
    <Space.Compact style={{ width: '100%' }}>
      <Input.Password data-testid={testId} autoComplete="new-password" value={value} onChange={(e) => onChange?.(e.target.value || undefined)} placeholder={isSet ? t('settings.secretNew') : ''} />
      {isSet ? <Button onClick={() => { onChange?.(undefined); setReplacing(false); }}>{t('common.cancel')}</Button> : null}
    </Space.Compact>
  );
}

// Settings → API keys: the list with scope and last use (secrets are never shown again), create a key with a scope —
// ingest, read or admin — (its secret shown once), revoke.
import { useState } from 'react';
import { Alert, App, Button, Card, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api } from '../../api/client';
import type { ApiKey, CreatedKey, KeyScope } from '../../api/types';
import { useI18n, type MessageKey } from '../../i18n';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { PageHead } from '../../components/forms';

export function Keys() {
  const { t, dt } = useI18n();
  const { message } = App.useApp();
  const list = useLoad((signal) => api('get', '/api/keys', { signal }), []);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [error, setError] = useState<unknown>(null);
  const revoke = async (k: ApiKey) => {
    setError(null);
    try {
      await api('delete', '/api/keys/{id}', { path: { id: k.id } });
      message.success(t('keys.revokedOk'));
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageHead title="keys.title" extra={<Button type="primary" icon={<PlusOutlined />} data-testid="key-new" onClick={() => setCreating(true)}>{t('keys.new')}</Button>} />
      {created ? (
        <Alert
          type="success"
          showIcon
          closable
          onClose={() => setCreated(null)}
          message={t('keys.createdOnce')}
          description={<Typography.Text code copyable data-testid="key-secret">{created.secret}</Typography.Text>}
        />
      ) : null}
      {error ? <ErrorAlert error={error} /> : null}
      <Card>
        <Async state={list} empty={(d) => d.data.length === 0}>
          {(d) => (
            <Table<ApiKey>
              rowKey="id"
              data-testid="keys-table"
              dataSource={d.data}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              columns={[
                { title: t('common.name'), dataIndex: 'name', render: (n: string | null) => n ?? '—' },
                { title: t('keys.scope'), dataIndex: 'scope', render: (s: KeyScope) => <Tag color={s === 'admin' ? 'red' : s === 'read' ? 'green' : 'blue'}>{t(`keys.scope.${s}` as MessageKey)}</Tag> },
                { title: t('keys.prefix'), dataIndex: 'prefix', render: (p: string) => <code>{p}…</code> },
                { title: t('keys.channel'), dataIndex: 'channel', render: (c: string | null) => c ?? '—' },
                { title: t('keys.lastUsed'), dataIndex: 'last_used_at', render: (v: string | null) => dt(v) },
                { title: t('keys.revoked'), dataIndex: 'revoked_at', render: (v: string | null) => (v ? dt(v) : '—') },
                { title: t('common.createdAt'), dataIndex: 'created_at', render: (v: string) => dt(v) },
                {
                  title: '',
                  render: (_, k) => (k.revoked_at ? null : (
                    <Popconfirm title={t('keys.revokeConfirm')} okText={t('keys.revoke')} cancelText={t('common.cancel')} onConfirm={() => revoke(k)}>
                      <Button size="small" danger>{t('keys.revoke')}</Button>
                    </Popconfirm>
                  )),
                },
              ]}
            />
          )}
        </Async>
      </Card>
      <KeyCreate
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(k) => {
          setCreating(false);
          setCreated(k);
          list.reload();
        }}
      />
    </Space>
  );
}

function KeyCreate({ open, onClose, onCreated }: { open: boolean; onClose(): void; onCreated(k: CreatedKey): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ scope: KeyScope; name?: string; channel?: string }>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const submit = async (v: { scope: KeyScope; name?: string; channel?: string }) => {
    setSaving(true);
    setError(null);
    try {
      const k = await api('post', '/api/keys', { body: { scope: v.scope, name: v.name?.trim() || undefined, channel: v.channel?.trim() || undefined } });
      form.resetFields();
      onCreated(k);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open={open} title={t('keys.new')} onCancel={onClose} onOk={() => form.submit()} okText={t('common.create')} cancelText={t('common.cancel')} confirmLoading={saving} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={{ scope: 'ingest' }} onFinish={submit}>
        <Form.Item name="scope" label={t('keys.scope')} extra={t('keys.scopeHint')}>
          <Select data-testid="key-scope" options={(['ingest', 'read', 'admin'] as const).map((s) => ({ value: s, label: t(`keys.scope.${s}` as MessageKey) }))} />
        </Form.Item>
        <Form.Item name="name" label={t('common.name')} rules={[{ max: 200 }]}>
          <Input placeholder="POS 上海店" />
        </Form.Item>
        <Form.Item name="channel" label={t('keys.channel')} extra={t('keys.channelHint')} rules={[{ max: 64 }]}>
          <Input placeholder="store" />
        </Form.Item>
      </Form>
      {error ? <ErrorAlert error={error} /> : null}
    </Modal>
  );
}

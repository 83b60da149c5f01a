// Settings → 用户 (Users): console users with their roles; create with an initial password, change role, disable /
// enable (sessions end at once), reset a password, delete. Needs access.manage.
import { useState } from 'react';
import { App, Button, Card, Form, Input, Modal, Popconfirm, Select, Space, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api } from '../../api/client';
import type { Role, User } from '../../api/types';
import { useI18n, type MessageKey } from '../../i18n';
import { useAuth } from '../../auth';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { PageHead } from '../../components/forms';

const ROLES: Role[] = ['admin', 'operator', 'analyst', 'viewer'];

export function Users() {
  const { t, dt } = useI18n();
  const { me } = useAuth();
  const { message } = App.useApp();
  const list = useLoad((signal) => api('get', '/api/users', { signal }), []);
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<User | null>(null);
  const [error, setError] = useState<unknown>(null);
  const roleOptions = ROLES.map((r) => ({ value: r, label: t(`role.${r}` as MessageKey) }));

  const act = async (fn: () => Promise<unknown>, ok: MessageKey = 'users.saved') => {
    setError(null);
    try {
      await fn();
      message.success(t(ok));
      list.reload();
    } catch (e) {
      setError(e);
    }
  };
  const state = (u: User) =>
    u.disabled_at ? <Tag>{t('users.disabled')}</Tag>
      : u.locked_until && Date.parse(u.locked_until) > Date.now() ? <Tag color="orange">{t('users.locked')}</Tag>
        : <Tag color="green">{t('users.active')}</Tag>;

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageHead title="users.title" extra={<Button type="primary" icon={<PlusOutlined />} data-testid="user-new" onClick={() => setCreating(true)}>{t('users.new')}</Button>} />
      {error ? <ErrorAlert error={error} /> : null}
      <Card>
        <Async state={list} empty={(d) => d.data.length === 0}>
          {(d) => (
            <Table<User>
              rowKey="id"
              data-testid="users-table"
              dataSource={d.data}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              columns={[
                {
                  title: t('users.username'),
                  dataIndex: 'username',
                  render: (v: string, u) => <Typography.Text strong>{v}{u.id === me?.user?.id ? t('users.you') : ''}</Typography.Text>,
                },
                { title: t('users.displayName'), dataIndex: 'display_name', render: (v: string | null) => v ?? '—' },
                {
                  title: t('users.role'),
                  dataIndex: 'role',
                  render: (r: Role, u) => (
                    <Select
                      size="small"
                      style={{ width: 110 }}
                      value={r}
                      options={roleOptions}
                      data-testid={`user-role-${u.username}`}
                      onChange={(role) => act(() => api('patch', '/api/users/{id}', { path: { id: u.id }, body: { role } }))}
                    />
                  ),
                },
                { title: t('users.state'), render: (_, u) => state(u) },
                { title: t('users.lastLogin'), dataIndex: 'last_login_at', render: (v: string | null) => dt(v) },
                { title: t('common.createdAt'), dataIndex: 'created_at', render: (v: string) => dt(v) },
                {
                  title: '',
                  render: (_, u) => (
                    <Space size="small">
                      {u.disabled_at ? (
                        <Button size="small" data-testid={`user-enable-${u.username}`} onClick={() => act(() => api('post', '/api/users/{id}/enable', { path: { id: u.id } }))}>{t('users.enable')}</Button>
                      ) : (
                        <Popconfirm title={t('users.disableConfirm')} okText={t('users.disable')} cancelText={t('common.cancel')} onConfirm={() => act(() => api('post', '/api/users/{id}/disable', { path: { id: u.id } }))}>
                          <Button size="small" data-testid={`user-disable-${u.username}`}>{t('users.disable')}</Button>
                        </Popconfirm>
                      )}
                      <Button size="small" data-testid={`user-reset-${u.username}`} onClick={() => setResetting(u)}>{t('users.resetPassword')}</Button>
                      <Popconfirm title={t('users.deleteConfirm')} okText={t('users.delete')} cancelText={t('common.cancel')} onConfirm={() => act(() => api('delete', '/api/users/{id}', { path: { id: u.id } }))}>
                        <Button size="small" danger>{t('users.delete')}</Button>
                      </Popconfirm>
                    </Space>
                  ),
                },
              ]}
            />
          )}
        </Async>
      </Card>
      <UserCreate open={creating} onClose={() => setCreating(false)} onCreated={() => { setCreating(false); message.success(t('users.saved')); list.reload(); }} />
      <PasswordReset user={resetting} onClose={() => setResetting(null)} onDone={() => { setResetting(null); message.success(t('users.resetOk')); list.reload(); }} />
    </Space>
  );
}

interface CreateValues { username: string; display_name?: string; email?: string; role: Role; password: string }

function UserCreate({ open, onClose, onCreated }: { open: boolean; onClose(): void; onCreated(): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<CreateValues>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const submit = async (v: CreateValues) => {
    setSaving(true);
    setError(null);
    try {
      await api('post', '/api/users', { body: { username: v.username.trim(), role: v.role, password: v.password, display_name: v.display_name?.trim() || undefined, email: v.email?.trim() || undefined } });
      form.resetFields();
      onCreated();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open={open} title={t('users.new')} onCancel={onClose} onOk={() => form.submit()} okText={t('common.create')} cancelText={t('common.cancel')} confirmLoading={saving} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={{ role: 'viewer' }} onFinish={submit}>
        <Form.Item name="username" label={t('users.username')} rules={[{ required: true, whitespace: true, message: t('form.required') }, { min: 2, max: 64 }, { pattern: /^[A-Za-z0-9._@-]+$/ }]}>
          <Input placeholder="li.lei" autoComplete="off" data-testid="user-username" />
        </Form.Item>
        <Form.Item name="display_name" label={t('users.displayName')} rules={[{ max: 200 }]}>
          <Input placeholder="李雷" data-testid="user-display-name" />
        </Form.Item>
        <Form.Item name="email" label={t('users.email')} rules={[{ type: 'email' }]}>
          <Input />
        </Form.Item>
        <Form.Item name="role" label={t('users.role')} extra={<RoleHints />}>
          <Select data-testid="user-role" options={ROLES.map((r) => ({ value: r, label: t(`role.${r}` as MessageKey) }))} />
        </Form.Item>
        <Form.Item name="password" label={t('users.password')} extra={t('users.passwordHint')} rules={[{ required: true, message: t('form.required') }, { min: 8, max: 200 }]}>
          <Input.Password autoComplete="new-password" data-testid="user-password" />
        </Form.Item>
      </Form>
      {error ? <ErrorAlert error={error} /> : null}
    </Modal>
  );
}

function RoleHints() {
  const { t } = useI18n();
  return (
    <ul style={{ paddingLeft: 18, margin: '4px 0 0' }}>
      {ROLES.map((r) => <li key={r}><b>{t(`role.${r}` as MessageKey)}</b>：{t(`role.${r}Hint` as MessageKey)}</li>)}
    </ul>
  );
}

function PasswordReset({ user, onClose, onDone }: { user: User | null; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<{ password: string }>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const submit = async ({ password }: { password: string }) => {
    if (!user) return;
    setSaving(true);
    setError(null);
    try {
      await api('post', '/api/users/{id}/reset-password', { path: { id: user.id }, body: { password } });
      form.resetFields();
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open={!!user} title={`${t('users.resetPassword')} · ${user?.username ?? ''}`} onCancel={onClose} onOk={() => form.submit()} okText={t('common.save')} cancelText={t('common.cancel')} confirmLoading={saving} destroyOnHidden>
      <Form form={form} layout="vertical" onFinish={submit}>
        <Form.Item name="password" label={t('users.newPassword')} rules={[{ required: true, message: t('form.required') }, { min: 8, max: 200 }]}>
          <Input.Password autoComplete="new-password" data-testid="user-new-password" />
        </Form.Item>
      </Form>
      {error ? <ErrorAlert error={error} /> : null}
    </Modal>
  );
}

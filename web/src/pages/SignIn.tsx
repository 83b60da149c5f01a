// Sign-in: username + password (a session), or an API key (checked against GET /api/workspace before it is kept).
import { useState, type ReactNode } from 'react';
import { Button, Card, Form, Input, Space, Tabs, Typography } from 'antd';
import { useI18n } from '../i18n';
import { useAuth } from '../auth';
import { ErrorAlert } from '../components/state';

export function SignIn({ langSwitch }: { langSwitch: ReactNode }) {
  const { t } = useI18n();
  const { signIn, signInWithPassword } = useAuth();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const attempt = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const passwordForm = (
    <Form layout="vertical" onFinish={({ username, password }: { username: string; password: string }) => attempt(() => signInWithPassword(username.trim(), password))} requiredMark={false}>
      <Form.Item name="username" label={t('signin.username')} rules={[{ required: true, whitespace: true, message: t('signin.usernameRequired') }]}>
        <Input autoFocus autoComplete="username" data-testid="signin-username" />
      </Form.Item>
      <Form.Item name="password" label={t('signin.password')} rules={[{ required: true, message: t('signin.passwordRequired') }]}>
        <Input.Password autoComplete="current-password" data-testid="signin-password" />
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={busy} data-testid="signin-password-submit">{t('signin.submit')}</Button>
    </Form>
  );
  const keyForm = (
    <Form layout="vertical" onFinish={({ key }: { key: string }) => attempt(() => signIn(key.trim()))} requiredMark={false}>
      <Form.Item name="key" label={t('signin.key')} rules={[{ required: true, whitespace: true, message: t('signin.keyRequired') }]}>
        <Input.Password autoComplete="off" placeholder="sk_…" data-testid="signin-key" />
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={busy} data-testid="signin-submit">{t('signin.submit')}</Button>
    </Form>
  );
  return (
    <div style={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', background: '#f5f7f6' }}>
      <Card style={{ width: 420 }} title={t('signin.title')} extra={langSwitch}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Paragraph type="secondary">{t('signin.subtitle')}</Typography.Paragraph>
          {error ? <ErrorAlert error={error} /> : null}
          <Tabs
            data-testid="signin-tabs"
            onChange={() => setError(null)}
            items={[
              { key: 'password', label: <span data-testid="signin-tab-password">{t('signin.tabPassword')}</span>, children: passwordForm },
              { key: 'key', label: <span data-testid="signin-tab-key">{t('signin.tabKey')}</span>, children: keyForm },
            ]}
          />
        </Space>
      </Card>
    </div>
  );
}

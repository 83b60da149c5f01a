// Sign-in with an admin key: checked against GET /api/workspace before it is kept.
import { useState, type ReactNode } from 'react';
import { Button, Card, Form, Input, Space, Typography } from 'antd';
import { useI18n } from '../i18n';
import { useAuth } from '../auth';
import { ErrorAlert } from '../components/state';

export function SignIn({ langSwitch }: { langSwitch: ReactNode }) {
  const { t } = useI18n();
  const { signIn } = useAuth();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async ({ key }: { key: string }) => {
    setBusy(true);
    setError(null);
    try {
      await signIn(key.trim());
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div style={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', background: '#f5f7f6' }}>
      <Card style={{ width: 420 }} title={t('signin.title')} extra={langSwitch}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Paragraph type="secondary">{t('signin.subtitle')}</Typography.Paragraph>
          {error ? <ErrorAlert error={error} /> : null}
          <Form layout="vertical" onFinish={submit} requiredMark={false}>
            <Form.Item name="key" label={t('signin.key')} rules={[{ required: true, whitespace: true, message: t('signin.keyRequired') }]}>
              <Input.Password autoFocus autoComplete="current-password" placeholder="sk_…" data-testid="signin-key" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy} data-testid="signin-submit">{t('signin.submit')}</Button>
          </Form>
        </Space>
      </Card>
    </div>
  );
}

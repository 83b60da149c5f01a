// Settings → workspace: its name, id and time zone (read-only: the API has no route to change them yet) and the
// public base URL of unsubscribe links (/api/consent/guard `unsubscribe`), with the purpose a link revokes.
import { useState } from 'react';
import { App, Button, Card, Descriptions, Form, Input, Select, Space } from 'antd';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { PageHead } from '../../components/forms';

export function Workspace() {
  const { t, dt } = useI18n();
  const { message } = App.useApp();
  const ws = useLoad((signal) => api('get', '/api/workspace', { signal }), []);
  const guard = useLoad((signal) => api('get', '/api/consent/guard', { signal }), []);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const submit = async (v: { base_url?: string; purpose: 'marketing' | 'service' }) => {
    setSaving(true);
    setError(null);
    try {
      await api('put', '/api/consent/guard', { body: { unsubscribe: { base_url: v.base_url?.trim() || null, purpose: v.purpose } } });
      message.success(t('common.saved'));
      guard.reload();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageHead title="workspace.title" />
      <Card>
        <Async state={ws}>
          {(w) => (
            <Descriptions bordered size="small" column={2} data-testid="workspace-info">
              <Descriptions.Item label={t('common.name')}>{w.name}</Descriptions.Item>
              <Descriptions.Item label="ID"><code>{w.id}</code></Descriptions.Item>
              <Descriptions.Item label={t('workspace.timezone')}>{w.timezone}</Descriptions.Item>
              <Descriptions.Item label={t('common.createdAt')}>{dt(w.created_at)}</Descriptions.Item>
            </Descriptions>
          )}
        </Async>
      </Card>
      <Card title={t('workspace.unsubscribe')}>
        <Async state={guard}>
          {(g) => (
            <Form layout="vertical" style={{ maxWidth: 560 }} initialValues={{ base_url: g.unsubscribe.base_url ?? '', purpose: g.unsubscribe.purpose }} onFinish={submit}>
              <Form.Item name="base_url" label={t('workspace.baseUrl')} extra={t('workspace.baseUrlHint')} rules={[{ type: 'url', message: t('settings.urlInvalid') }, { max: 300 }]}>
                <Input placeholder="https://crm.brand.cn" data-testid="unsubscribe-base-url" />
              </Form.Item>
              <Form.Item name="purpose" label={t('workspace.unsubscribePurpose')}>
                <Select options={[{ value: 'marketing', label: t('consent.purpose.marketing') }, { value: 'service', label: t('consent.purpose.service') }]} />
              </Form.Item>
              {error ? <div style={{ marginBottom: 12 }}><ErrorAlert error={error} /></div> : null}
              <Button type="primary" htmlType="submit" loading={saving}>{t('common.save')}</Button>
            </Form>
          )}
        </Async>
      </Card>
    </Space>
  );
}

// Settings: the API keys list (Loyalty and Engagement pages live in pages/loyalty and pages/engagement).
import { Card, Space, Table, Tag, Typography } from 'antd';
import { api } from '../api/client';
import { useI18n, type MessageKey } from '../i18n';
import { Async, useLoad } from '../components/state';

function Page({ title, children }: { title: MessageKey; children: React.ReactNode }) {
  const { t } = useI18n();
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>{t(title)}</Typography.Title>
      <Card>{children}</Card>
    </Space>
  );
}

export function Keys() {
  const { t, dt } = useI18n();
  const list = useLoad((signal) => api('get', '/api/keys', { signal }), []);
  return (
    <Page title="keys.title">
      <Async state={list} empty={(d) => d.data.length === 0}>
        {(d) => (
          <Table
            rowKey="id"
            dataSource={d.data}
            columns={[
              { title: t('common.name'), dataIndex: 'name' },
              { title: t('keys.kind'), dataIndex: 'kind', render: (k: string) => <Tag color={k === 'admin' ? 'red' : 'blue'}>{k}</Tag> },
              { title: t('keys.prefix'), dataIndex: 'prefix', render: (p: string) => <code>{p}…</code> },
              { title: t('keys.lastUsed'), dataIndex: 'last_used_at', render: (v: string | null) => dt(v) },
              { title: t('keys.revoked'), dataIndex: 'revoked_at', render: (v: string | null) => (v ? dt(v) : '—') },
              { title: t('common.createdAt'), dataIndex: 'created_at', render: (v: string) => dt(v) },
            ]}
          />
        )}
      </Async>
    </Page>
  );
}

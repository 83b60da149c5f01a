// Settings → 隐私请求 (privacy requests): every personal-data export and erase, who asked, why, and what was erased.
import { Card, Space, Table, Tag, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { Async, useLoad } from '../../components/state';
import { PageHead } from '../../components/forms';
import type { PrivacyRequest } from './privacy-types';

export function PrivacyRequests() {
  const { t, dt } = useI18n();
  const list = useLoad((signal) => api('get', '/api/privacy/requests', { query: { limit: 200 }, signal }), []);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageHead title="privacy.title" sub={t('privacy.hint')} />
      <Card>
        <Async state={list} empty={(d) => d.data.length === 0}>
          {(d) => (
            <Table<PrivacyRequest>
              rowKey="id"
              size="small"
              data-testid="privacy-requests"
              dataSource={d.data}
              pagination={{ pageSize: 50, hideOnSinglePage: true }}
              columns={[
                { title: t('audit.time'), dataIndex: 'created_at', render: (v: string) => dt(v) },
                { title: t('privacy.kind'), dataIndex: 'kind', render: (k: string) => <Tag color={k === 'erase' ? 'red' : 'blue'}>{t(k === 'erase' ? 'privacy.kind.erase' : 'privacy.kind.export')}</Tag> },
                { title: t('privacy.member'), dataIndex: 'member_id', render: (id: string) => <Link to={`/members/${encodeURIComponent(id)}`}><code>{id}</code></Link> },
                { title: t('audit.actor'), key: 'actor', render: (_: unknown, r) => (r.actor_type ? `${r.actor_name ?? r.actor_id} (${r.actor_type})` : '—') },
                { title: t('privacy.reason'), dataIndex: 'reason', render: (v: string | null) => v ?? '—' },
                {
                  title: t('privacy.counts'),
                  dataIndex: 'counts',
                  render: (c: Record<string, number> | null) => (
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {Object.entries(c ?? {}).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(' · ') || '—'}
                    </Typography.Text>
                  ),
                },
              ]}
            />
          )}
        </Async>
      </Card>
    </Space>
  );
}

// The broadcast list with live progress (polled while any is scheduled or running; status filter in the URL). The
// create form is BroadcastCreate.tsx, a broadcast's page with its report BroadcastDetail.tsx.
import { Button, Card, Segmented, Space, Table } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import type { Broadcast } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, useLoad } from '../../components/state';
import { PageHead } from '../../components/forms';
import { useAuth } from '../../auth';
import { LIVE, ProgressBar, STATUSES, StatusTag, usePoll } from './BroadcastStatus';
import { useChannelLabels } from './BroadcastFields';

export function Broadcasts() {
  const { t, num, dt } = useI18n();
  const channelLabel = useChannelLabels();
  const { can } = useAuth(); // actions only for who may take them (docs/permissions.md)
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const list = useLoad(async (signal) => {
    const page = await api('get', '/api/broadcasts', { query: { limit: 50, status: (status || undefined) as 'draft' | undefined }, signal });
    // Progress of each listed broadcast (counts come from chunk rows: a few rows per broadcast).
    const progress = await Promise.all(
      page.data.map((b) => (b.status === 'draft' ? Promise.resolve(null) : api('get', '/api/broadcasts/{id}/progress', { path: { id: b.id }, signal }).catch(() => null))),
    );
    return page.data.map((b, i): Broadcast => ({ ...b, progress: progress[i] ?? undefined }));
  }, [status]);
  usePoll(Boolean(list.data?.some((b) => LIVE.has(b.status))), list.reload, 3000);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageHead title="broadcasts.title" extra={can('broadcasts.write') ? <Link to="/engagement/broadcasts/new"><Button type="primary" icon={<PlusOutlined />} data-testid="broadcast-new">{t('broadcasts.new')}</Button></Link> : null} />
      <Card>
        <Segmented
          style={{ marginBottom: 16 }}
          value={status}
          onChange={(v) => setParams(v ? { status: String(v) } : {})}
          options={[{ label: t('common.all'), value: '' }, ...STATUSES.map((s) => ({ label: t(`broadcasts.status.${s}`), value: s }))]}
        />
        <Async state={list} empty={(d) => d.length === 0}>
          {(d) => (
            <Table<Broadcast>
              rowKey="id"
              data-testid="broadcasts-table"
              dataSource={d}
              columns={[
                { title: t('common.name'), dataIndex: 'name', render: (n: string, b) => <Link to={`/engagement/broadcasts/${b.id}`}>{n}</Link> },
                { title: t('common.status'), dataIndex: 'status', render: (s: string) => <StatusTag status={s} /> },
                { title: t('broadcasts.channel'), dataIndex: 'channel_type', render: (type: string, b) => channelLabel(b.channel_id, type) },
                { title: t('broadcasts.audience'), dataIndex: 'audience_count', align: 'right', render: (n: number | null) => num(n) },
                { title: t('broadcasts.progress'), width: 260, render: (_, b) => <ProgressBar p={b.progress} /> },
                { title: t('common.createdAt'), dataIndex: 'created_at', render: (v: string) => dt(v) },
              ]}
            />
          )}
        </Async>
      </Card>
    </Space>
  );
}

// The first pages of Loyalty, Engagement and Settings: real lists from their APIs (coupon templates, broadcasts
// with progress, journeys, API keys). Editors for each come with later slices of the console.
import { Card, Progress, Space, Table, Tag, Typography } from 'antd';
import { api } from '../api/client';
import type { Broadcast, BroadcastProgress, CouponTemplate } from '../api/types';
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

function benefit(c: CouponTemplate): string {
  const b = c.config.benefit as Record<string, unknown> | undefined;
  if (!b) return '—';
  if (b.type === 'threshold') return `满${b.spend}减${b.save}`;
  if (b.type === 'discount' || b.type === 'percent') return `${b.percent_off ?? b.rate ?? ''}% off`;
  return Object.entries(b).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ');
}

export function Coupons() {
  const { t, num, dt } = useI18n();
  const list = useLoad((signal) => api('get', '/api/coupons/templates', { signal }), []);
  return (
    <Page title="coupons.title">
      <Async state={list} empty={(d) => d.data.length === 0}>
        {(d) => (
          <Table<CouponTemplate>
            rowKey="id"
            dataSource={d.data}
            columns={[
              { title: t('common.name'), dataIndex: 'name' },
              { title: t('coupons.benefit'), render: (_, c) => benefit(c) },
              { title: t('common.status'), dataIndex: 'status', render: (s: string) => <Tag>{s}</Tag> },
              { title: t('coupons.issued'), dataIndex: 'issued_count', align: 'right', render: (n: number) => num(n) },
              { title: t('coupons.limit'), dataIndex: 'total_limit', align: 'right', render: (n: number | null) => (n === null ? '∞' : num(n)) },
              { title: t('coupons.remaining'), dataIndex: 'remaining', align: 'right', render: (n: number | null) => (n === null ? '∞' : num(n)) },
              { title: t('common.createdAt'), dataIndex: 'created_at', render: (v: string) => dt(v) },
            ]}
          />
        )}
      </Async>
    </Page>
  );
}

export function Broadcasts() {
  const { t, num, dt } = useI18n();
  const list = useLoad(async (signal) => {
    const page = await api('get', '/api/broadcasts', { query: { limit: 50 }, signal });
    // Progress of each listed broadcast (counts come from chunk rows: a few rows per broadcast).
    const progress = await Promise.all(
      page.data.map((b) => (b.status === 'draft' ? Promise.resolve(null) : api('get', '/api/broadcasts/{id}/progress', { path: { id: b.id }, signal }).catch(() => null))),
    );
    return page.data.map((b, i): Broadcast => ({ ...b, progress: progress[i] ?? undefined }));
  }, []);
  const bar = (p?: BroadcastProgress) => {
    if (!p || !p.audience) return '—';
    const c = p.counts;
    const done = c.sent + c.failed + c.skipped + c.holdout;
    return <Progress size="small" percent={Math.round((done / p.audience) * 100)} success={{ percent: Math.round((c.sent / p.audience) * 100) }} format={() => `${num(c.sent)} / ${num(p.audience ?? 0)}`} />;
  };
  return (
    <Page title="broadcasts.title">
      <Async state={list} empty={(d) => d.length === 0}>
        {(d) => (
          <Table<Broadcast>
            rowKey="id"
            dataSource={d}
            columns={[
              { title: t('common.name'), dataIndex: 'name' },
              { title: t('common.status'), dataIndex: 'status', render: (s: string) => <Tag>{s}</Tag> },
              { title: t('broadcasts.channel'), dataIndex: 'channel_type' },
              { title: t('broadcasts.audience'), dataIndex: 'audience_count', align: 'right', render: (n: number | null) => num(n) },
              { title: t('broadcasts.progress'), width: 260, render: (_, b) => bar(b.progress) },
              { title: t('common.createdAt'), dataIndex: 'created_at', render: (v: string) => dt(v) },
            ]}
          />
        )}
      </Async>
    </Page>
  );
}

export function Journeys() {
  const { t, dt } = useI18n();
  const list = useLoad((signal) => api('get', '/api/journeys', { signal }), []);
  return (
    <Page title="journeys.title">
      <Async state={list} empty={(d) => d.data.length === 0}>
        {(d) => (
          <Table
            rowKey="id"
            dataSource={d.data}
            columns={[
              { title: t('common.name'), dataIndex: 'name' },
              { title: t('common.status'), dataIndex: 'status', render: (s: string) => <Tag color={s === 'live' ? 'green' : undefined}>{s}</Tag> },
              { title: t('journeys.version'), dataIndex: 'version' },
              { title: t('journeys.liveSince'), dataIndex: 'live_since', render: (v: string | null) => dt(v) },
              { title: t('common.createdAt'), dataIndex: 'created_at', render: (v: string) => dt(v) },
            ]}
          />
        )}
      </Async>
    </Page>
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

// Members: search by phone/name/id, filter by tag or segment (all in the query string), keyset-paged list.
import { useEffect, useState } from 'react';
import { Button, Card, Input, Select, Space, Table, Tag, Typography } from 'antd';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../api/client';
import type { MemberRow, Page } from '../api/types';
import { useI18n } from '../i18n';
import { ErrorAlert, useLoad } from '../components/state';
import { formatMetric } from '../format';

export function Members() {
  const { t, num, dt } = useI18n();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const tag = params.get('tag') ?? '';
  const segment = params.get('segment') ?? '';
  const [draft, setDraft] = useState(q);
  useEffect(() => setDraft(q), [q]);
  const set = (k: string, v: string | undefined) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next);
  };

  const tags = useLoad((signal) => api('get', '/api/tags', { signal }), []);
  const segments = useLoad((signal) => api('get', '/api/segments', { signal }), []);

  const [rows, setRows] = useState<MemberRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [more, setMore] = useState<{ loading: boolean; error?: unknown }>({ loading: false });
  const fetchPage = (after: string | undefined, signal?: AbortSignal): Promise<Page<MemberRow>> =>
    segment
      ? api('get', '/api/segments/{ref}/members', { path: { ref: segment }, query: { limit: 50, cursor: after }, signal })
      : api('get', '/api/members', { query: { q: q || undefined, tag: tag || undefined, limit: 50, cursor: after }, signal });
  const first = useLoad((signal) => fetchPage(undefined, signal), [q, tag, segment]);
  useEffect(() => {
    if (first.data) {
      setRows(first.data.data);
      setCursor(first.data.next_cursor ?? null);
    }
  }, [first.data]);
  const loadMore = async () => {
    if (!cursor) return;
    setMore({ loading: true });
    try {
      const p = await fetchPage(cursor);
      setRows((r) => [...r, ...p.data]);
      setCursor(p.next_cursor ?? null);
      setMore({ loading: false });
    } catch (e) {
      setMore({ loading: false, error: e });
    }
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>{t('members.title')}</Typography.Title>
      <Card size="small">
        <Space wrap>
          <Input.Search
            allowClear
            data-testid="member-search"
            style={{ width: 320 }}
            placeholder={t('members.search')}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onSearch={(v) => set('q', v.trim() || undefined)}
            enterButton={t('common.search')}
          />
          <Select
            allowClear
            showSearch
            style={{ width: 200 }}
            placeholder={t('members.tag')}
            value={tag || undefined}
            loading={tags.loading}
            onChange={(v) => set('tag', v)}
            optionFilterProp="label"
            options={(tags.data?.data ?? []).map((x) => ({ value: x.name, label: `${x.name} (${num(x.member_count)})` }))}
          />
          <Select
            allowClear
            showSearch
            style={{ width: 200 }}
            placeholder={t('members.segment')}
            value={segment || undefined}
            loading={segments.loading}
            onChange={(v) => set('segment', v)}
            optionFilterProp="label"
            options={(segments.data?.data ?? []).map((x) => ({ value: x.id, label: x.name }))}
          />
          {(q || tag || segment) && <Button onClick={() => setParams(new URLSearchParams())}>{t('common.reset')}</Button>}
        </Space>
      </Card>
      {first.error ? <ErrorAlert error={first.error} onRetry={first.reload} /> : null}
      {!first.error && (
        <Table<MemberRow>
          data-testid="members-table"
          rowKey="id"
          size="middle"
          loading={first.loading}
          dataSource={first.loading && rows.length === 0 ? [] : rows}
          pagination={false}
          columns={[
            {
              title: t('members.col.name'),
              render: (_, m) => <Link to={`/members/${encodeURIComponent(m.id)}`}>{m.name || t('members.unnamed')}</Link>,
            },
            { title: t('members.col.phone'), dataIndex: 'phone', render: (v) => v ?? '—' },
            { title: t('members.col.city'), dataIndex: 'city', render: (v) => v ?? '—' },
            { title: t('members.col.channel'), dataIndex: 'source_channel', render: (v) => v ?? '—' },
            { title: t('members.col.orders'), align: 'right', render: (_, m) => num(m.traits?.order_count ?? 0) },
            { title: t('members.col.spend'), align: 'right', render: (_, m) => formatMetric('total_spend', m.traits?.total_spend ?? 0, num) },
            { title: t('members.col.lastOrder'), render: (_, m) => dt(m.traits?.last_order_at) },
            { title: t('members.col.tags'), render: (_, m) => (m.tags ?? []).slice(0, 4).map((x) => <Tag key={x}>{x}</Tag>) },
          ]}
        />
      )}
      {more.error ? <ErrorAlert error={more.error} onRetry={loadMore} /> : null}
      {cursor && !first.loading && (
        <Button block onClick={loadMore} loading={more.loading}>{t('common.more')}</Button>
      )}
    </Space>
  );
}

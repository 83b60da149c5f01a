// Member 360 timeline of events, orders and refunds, messages and points entries, with a kind filter kept in the URL
// as ?kind= and paging by cursor.
import { useEffect, useState, type ReactNode } from 'react';
import { Button, Empty, Segmented, Space, Spin, Timeline } from 'antd';
import { useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import type { TimelineItem } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { COLORS, TimelineEntry } from './TimelineEntry';

/** The timeline filter: each choice reads these kinds from the API (refunds go with orders). */
const TIMELINE_FILTERS = { event: 'event', order: 'order,refund', message: 'message', points: 'points' } as const;
type TimelineFilter = keyof typeof TIMELINE_FILTERS;

export function MemberTimeline({ memberId }: { memberId: string }) {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const raw = params.get('kind');
  const filter: TimelineFilter | null = raw && raw in TIMELINE_FILTERS ? (raw as TimelineFilter) : null;
  const kinds = filter ? TIMELINE_FILTERS[filter] : undefined;
  const setFilter = (v: string) => {
    const next = new URLSearchParams(params);
    if (v === 'all') next.delete('kind');
    else next.set('kind', v);
    setParams(next, { replace: true });
  };
  const [items, setItems] = useState<TimelineItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const first = useLoad((signal) => api('get', '/api/members/{ref}/timeline', { path: { ref: memberId }, query: { limit: 20, kinds }, signal }), [memberId, kinds]);
  useEffect(() => {
    if (first.data) {
      setItems(first.data.data);
      setCursor(first.data.next_cursor);
      setError(null);
    }
  }, [first.data]);
  const more = async () => {
    setBusy(true);
    try {
      const p = await api('get', '/api/members/{ref}/timeline', { path: { ref: memberId }, query: { limit: 20, cursor: cursor ?? undefined, kinds } });
      setItems((x) => [...x, ...p.data]);
      setCursor(p.next_cursor);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const filterBar = (
    <Segmented
      data-testid="timeline-filter"
      value={filter ?? 'all'}
      onChange={(v) => setFilter(String(v))}
      options={[
        { value: 'all', label: t('m360.kinds.all') },
        { value: 'event', label: t('m360.event') },
        { value: 'order', label: t('m360.order') },
        { value: 'message', label: t('m360.message') },
        { value: 'points', label: t('m360.pointsEntry') },
      ]}
    />
  );
  let body: ReactNode;
  if (first.error) body = <ErrorAlert error={first.error} onRetry={first.reload} />;
  else if (!first.data) body = <Async state={first}>{() => null}</Async>;
  else if (items.length === 0 && !first.loading) body = <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />;
  // Switching the filter keeps the previous entries under a spinner until the new page arrives.
  else body = (
    <Spin spinning={first.loading}>
      <Timeline items={items.map((i) => ({ color: COLORS[i.kind] ?? 'blue', children: <TimelineEntry i={i} /> }))} />
      {error ? <ErrorAlert error={error} compact /> : null}
      {cursor && <Button block loading={busy} onClick={more}>{t('common.more')}</Button>}
    </Spin>
  );
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="member-timeline" data-kind={filter ?? 'all'} data-loading={first.loading ? 'true' : 'false'}>
      {filterBar}
      {body}
    </Space>
  );
}

// Member 360: profile, identities, traits, tags (add/remove), segments, scores, tier/points/lots, coupons,
// consents, journeys and one timeline of events, orders and refunds, messages and points entries (a kind filter kept in
// the URL as ?kind=) — each from its own API route.
import { useEffect, useState, type ReactNode } from 'react';
import { App, Button, Card, Col, Descriptions, Empty, List, Row, Segmented, Select, Space, Spin, Table, Tag, Timeline, Typography } from 'antd';
import { ArrowLeftOutlined } from '@ant-design/icons';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { api } from '../api/client';
import type { Member360 as M360, MemberJourney, MemberTag, TimelineItem } from '../api/types';
import { DICTIONARIES, useI18n, type MessageKey } from '../i18n';
import { Async, ErrorAlert, errorText, useLoad } from '../components/state';
import { formatMetric } from '../format';
import { PrivacyActions } from './settings/PrivacyActions';
import { RecommendationsCard } from './recommendations/RecommendationsCard';

const TRAITS = ['order_count', 'total_spend', 'avg_spend', 'refund_total', 'first_order_at', 'last_order_at', 'favourite_category', 'favourite_product', 'preferred_channel', 'last_seen_at'] as const;

export function Member360() {
  const { ref = '' } = useParams();
  const { t } = useI18n();
  const member = useLoad((signal) => api('get', '/api/members/{ref}', { path: { ref }, signal }), [ref]);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Link to="/members"><ArrowLeftOutlined /> {t('m360.back')}</Link>
      <Async state={member} minHeight={300}>
        {(m) => <Member360View m={m} reload={member.reload} />}
      </Async>
    </Space>
  );
}

function localName(n: string | { zh?: string; en?: string } | undefined, lang: string): string | null {
  if (n === undefined || n === null) return null;
  if (typeof n === 'string') return n;
  return (lang === 'zh' ? n.zh ?? n.en : n.en ?? n.zh) ?? null;
}

function Member360View({ m, reload }: { m: M360; reload(): void }) {
  const { t, num, dt, lang } = useI18n();
  const name = (m.attributes.name as string | undefined) || t('members.unnamed');
  const scores = useLoad((signal) => api('get', '/api/members/{ref}/scores', { path: { ref: m.id }, signal }), [m.id]);
  const segments = useLoad((signal) => api('get', '/api/members/{ref}/segments', { path: { ref: m.id }, signal }), [m.id]);
  const label = (x: { name_zh?: string; name_en?: string; segment?: string; stage?: string; tier?: string } | null) =>
    x ? (lang === 'zh' ? x.name_zh : x.name_en) ?? x.segment ?? x.stage ?? x.tier : null;
  const tier = m.loyalty.tier;
  // A program tier's name is bilingual ({ zh, en }); older answers may give a plain string.
  const tierName = tier === null ? null : typeof tier === 'string' ? tier : localName(tier.name, lang) ?? tier.code ?? null;

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="member-360">
      <Card>
        <Space direction="vertical" size={4}>
          <Typography.Title level={3} style={{ margin: 0 }} data-testid="member-name">{name}</Typography.Title>
          <Typography.Text type="secondary" copyable={{ text: m.id }}>{m.id}</Typography.Text>
          <Space wrap>
            {m.source_channel && <Tag color="blue">{m.source_channel}</Tag>}
            {tierName && <Tag color="gold">{t('m360.tier')}: {tierName}</Tag>}
            {scores.data?.rfm && <Tag color="green">{t('m360.rfm')}: {label(scores.data.rfm)}</Tag>}
            {scores.data?.lifecycle && <Tag color="purple">{t('m360.lifecycle')}: {label(scores.data.lifecycle)}</Tag>}
            {scores.data?.value_tier && <Tag color="magenta">{t('m360.valueTier')}: {label(scores.data.value_tier)}</Tag>}
            <Typography.Text type="secondary">{t('common.createdAt')} {dt(m.created_at)}</Typography.Text>
            <PrivacyActions memberId={m.id} onErased={reload} />
          </Space>
        </Space>
      </Card>

      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <Card title={t('m360.attributes')} size="small">
              <Descriptions size="small" column={2}>
                {Object.entries(m.attributes).map(([k, v]) => (
                  <Descriptions.Item key={k} label={k}>{v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v)}</Descriptions.Item>
                ))}
              </Descriptions>
            </Card>
            <Card title={t('m360.traits')} size="small">
              {m.traits ? (
                <Descriptions size="small" column={2}>
                  {TRAITS.map((k) => {
                    const v = m.traits![k];
                    const shown = typeof v === 'number' ? formatMetric(k, v, num) : k.endsWith('_at') ? dt(v) : v ?? '—';
                    return <Descriptions.Item key={k} label={t(`trait.${k}` as MessageKey)}>{shown}</Descriptions.Item>;
                  })}
                </Descriptions>
              ) : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />}
            </Card>
            <TagsCard memberId={m.id} initial={m.tags} onChange={reload} />
            <Card title={t('m360.segments')} size="small">
              <Async state={segments} empty={(d) => d.data.length === 0}>
                {(d) => (
                  <List
                    size="small"
                    dataSource={d.data}
                    renderItem={(s) => (
                      <List.Item extra={<Typography.Text type="secondary">{t('m360.enteredAt')} {dt(s.entered_at ?? null)}</Typography.Text>}>
                        <Link to={`/segments/${encodeURIComponent(String(s.id ?? s.segment_id))}`}>{s.name}</Link>
                      </List.Item>
                    )}
                  />
                )}
              </Async>
            </Card>
            <Card title={t('m360.identities')} size="small">
              <Table
                size="small"
                rowKey={(r) => `${r.type}:${r.value}`}
                pagination={false}
                dataSource={m.identities}
                columns={[
                  { title: t('m360.identity.type'), dataIndex: 'type' },
                  { title: t('m360.identity.value'), dataIndex: 'value', ellipsis: true },
                  { title: t('m360.identity.channel'), dataIndex: 'source_channel' },
                  { title: t('m360.identity.lastSeen'), dataIndex: 'last_seen_at', render: (v: string) => dt(v) },
                ]}
              />
            </Card>
          </Space>
        </Col>
        <Col xs={24} xl={12}>
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <Card title={t('m360.loyalty')} size="small">
              <Descriptions size="small" column={3}>
                <Descriptions.Item label={t('m360.tier')}>{tierName ?? '—'}</Descriptions.Item>
                <Descriptions.Item label={t('m360.points')}>{num(m.loyalty.points_balance)}</Descriptions.Item>
                <Descriptions.Item label={t('m360.expiring')}>{num(m.loyalty.points_expiring.points)}</Descriptions.Item>
              </Descriptions>
              {m.loyalty.points_lots.length > 0 && (
                <Table
                  size="small"
                  title={() => t('m360.lots')}
                  rowKey={(r, i) => String(r.id ?? i)}
                  pagination={false}
                  dataSource={m.loyalty.points_lots}
                  columns={Object.keys(m.loyalty.points_lots[0]).slice(0, 5).map((k) => ({ title: k, dataIndex: k, render: (v: unknown) => (typeof v === 'string' && k.endsWith('_at') ? dt(v) : String(v ?? '—')) }))}
                />
              )}
            </Card>
            <RecommendationsCard memberId={m.id} />
            <Card title={`${t('m360.coupons')} (${m.coupons.unused_count})`} size="small">
              <CouponsList memberId={m.id} />
            </Card>
            <Card title={t('m360.consents')} size="small">
              <ConsentTable effective={m.consents.effective} />
            </Card>
            <Card title={t('m360.journeys')} size="small" data-testid="member-journeys">
              <MemberJourneys memberId={m.id} />
            </Card>
            <Card title={t('m360.timeline')} size="small">
              <MemberTimeline memberId={m.id} />
            </Card>
          </Space>
        </Col>
      </Row>
    </Space>
  );
}

function TagsCard({ memberId, initial, onChange }: { memberId: string; initial: MemberTag[]; onChange(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [tags, setTags] = useState(initial);
  const [picked, setPicked] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setTags(initial), [initial]);
  const all = useLoad((signal) => api('get', '/api/tags', { signal }), []);
  const act = async (fn: () => Promise<{ tags: MemberTag[] }>) => {
    setBusy(true);
    setError(null);
    try {
      setTags((await fn()).tags);
      setPicked([]);
    } catch (e) {
      setError(e);
      message.error(errorText(e, t).message);
    } finally {
      setBusy(false);
    }
  };
  const held = new Set(tags.map((x) => x.name));
  return (
    <Card title={t('m360.tags')} size="small" data-testid="member-tags">
      <Space direction="vertical" style={{ width: '100%' }}>
        <div>
          {tags.length === 0 && <Typography.Text type="secondary">{t('common.none')}</Typography.Text>}
          {tags.map((x) => (
            <Tag
              key={x.id}
              closable
              data-testid={`member-tag-${x.name}`}
              onClose={(e) => {
                e.preventDefault();
                void act(() => api('delete', '/api/members/{ref}/tags', { path: { ref: memberId }, body: { tags: [x.id] } }));
              }}
            >
              {x.group ? `${x.group} · ` : ''}{x.name}
            </Tag>
          ))}
        </div>
        <Space.Compact style={{ width: '100%' }}>
          <Select
            mode="tags"
            style={{ width: '100%' }}
            data-testid="add-tag-select"
            placeholder={t('m360.addTagPlaceholder')}
            value={picked}
            onChange={setPicked}
            options={(all.data?.data ?? []).filter((x) => !held.has(x.name)).map((x) => ({ value: x.name, label: x.name }))}
          />
          <Button
            type="primary"
            loading={busy}
            disabled={picked.length === 0}
            data-testid="add-tag-submit"
            onClick={() => act(() => api('post', '/api/members/{ref}/tags', { path: { ref: memberId }, body: { tags: picked, create_missing_tag: true, source: 'console' } })).then(onChange)}
          >
            {t('m360.addTag')}
          </Button>
        </Space.Compact>
        {error ? <ErrorAlert error={error} compact /> : null}
      </Space>
    </Card>
  );
}

function CouponsList({ memberId }: { memberId: string }) {
  const { dt } = useI18n();
  const coupons = useLoad((signal) => api('get', '/api/members/{ref}/coupons', { path: { ref: memberId }, query: { status: 'all', limit: 20 }, signal }), [memberId]);
  return (
    <Async state={coupons} empty={(d) => d.data.length === 0}>
      {(d) => (
        <Table
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={d.data}
          columns={[
            { title: 'code', dataIndex: 'code' },
            { title: 'template', render: (_, c) => c.template.name ?? c.template.id },
            { title: 'status', dataIndex: 'status', render: (s: string) => <Tag>{s}</Tag> },
            { title: 'valid_to', dataIndex: 'valid_to', render: (v: string | null) => dt(v) },
          ]}
        />
      )}
    </Async>
  );
}

function ConsentTable({ effective }: { effective: M360['consents']['effective'] }) {
  const { t } = useI18n();
  const purposes = Object.keys(effective);
  const channels = [...new Set(purposes.flatMap((p) => Object.keys(effective[p])))];
  return (
    <Table
      size="small"
      rowKey="channel"
      pagination={false}
      dataSource={channels.map((channel) => ({ channel }))}
      columns={[
        { title: '', dataIndex: 'channel' },
        ...purposes.map((p) => ({
          title: p === 'marketing' ? t('m360.consent.marketing') : p === 'service' ? t('m360.consent.service') : p,
          render: (_: unknown, r: { channel: string }) => {
            const c = effective[p][r.channel];
            return c ? <Tag color={c.allowed ? 'green' : 'default'}>{c.allowed ? t('common.yes') : t('common.no')} · {c.basis}</Tag> : '—';
          },
        })),
      ]}
    />
  );
}

/** A translated label when the dictionary has `prefix + value`, else the value itself (kinds the API may add later). */
function useLabel() {
  const { t } = useI18n();
  return (prefix: string, value: string | null | undefined) => {
    if (!value) return '—';
    const key = `${prefix}${value}` as MessageKey;
    return key in DICTIONARIES.zh ? t(key) : value;
  };
}

function MemberJourneys({ memberId }: { memberId: string }) {
  const { t, dt } = useI18n();
  const label = useLabel();
  const journeys = useLoad((signal) => api('get', '/api/members/{ref}/journeys', { path: { ref: memberId }, signal }), [memberId]);
  const color = (s: string) => (s === 'active' ? 'processing' : s === 'goal' || s === 'completed' ? 'success' : s === 'failed' ? 'error' : 'default');
  return (
    <Async state={journeys} empty={(d) => d.data.length === 0}>
      {(d) => (
        <Table<MemberJourney>
          size="small"
          rowKey="id"
          pagination={d.data.length > 10 ? { pageSize: 10, size: 'small' } : false}
          dataSource={d.data}
          columns={[
            { title: t('m360.journey.name'), render: (_, j) => <Link to={`/engagement/journeys/${encodeURIComponent(j.journey_id)}`}>{j.journey_name ?? j.journey_id}</Link> },
            { title: t('m360.journey.version'), dataIndex: 'version', render: (v: number) => `v${v}` },
            { title: t('m360.journey.state'), dataIndex: 'state', render: (s: string) => <Tag color={color(s)}>{label('m360.journey.state.', s)}</Tag> },
            { title: t('m360.journey.step'), dataIndex: 'step_id', render: (v: string | null) => v ?? '—' },
            { title: t('m360.journey.entered'), dataIndex: 'entered_at', render: (v: string) => dt(v) },
            { title: t('m360.journey.ended'), dataIndex: 'ended_at', render: (v: string | null) => dt(v) },
          ]}
        />
      )}
    </Async>
  );
}

/** The timeline filter: each choice reads these kinds from the API (refunds go with orders). */
const TIMELINE_FILTERS = { event: 'event', order: 'order,refund', message: 'message', points: 'points' } as const;
type TimelineFilter = keyof typeof TIMELINE_FILTERS;

function MemberTimeline({ memberId }: { memberId: string }) {
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

/** One timeline entry: kind tag, title and amount, then time and the details of its kind. */
function TimelineEntry({ i }: { i: TimelineItem }) {
  const { t, dt, num } = useI18n();
  const label = useLabel();
  const p = (i.properties ?? {}) as Record<string, unknown>;
  const kindLabel = i.kind === 'order' ? t('m360.order') : i.kind === 'refund' ? t('m360.refund') : i.kind === 'message' ? t('m360.message') : i.kind === 'points' ? t('m360.pointsEntry') : t('m360.event');
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  let title: ReactNode = i.name ?? i.type;
  let detail: string[] = [];
  if (i.kind === 'message') {
    title = <>{str(p.template) ?? str(p.channel_name) ?? i.channel}{' '}<Tag data-testid="timeline-message-state">{str(p.state)}</Tag></>;
    const source = str(p.source);
    detail = [
      `${str(p.channel_name) ?? ''}${i.channel ? ` (${i.channel})` : ''}`,
      source ? `${label('m360.source.', source)}${p.source_name ? ` · ${str(p.source_name)}` : ''}` : '',
      p.template ? `${t('m360.template')}: ${str(p.template)}` : '',
      p.error_code ? String(p.error_code) : '',
    ];
  } else if (i.kind === 'points') {
    const pts = Number(p.points ?? 0);
    title = <>{label('m360.points.', i.type)} <span style={{ color: pts >= 0 ? '#389e0d' : '#cf1322' }}>{pts > 0 ? '+' : ''}{num(pts)}</span></>;
    detail = [str(p.reason) ?? '', p.order_id ? `order ${str(p.order_id)}` : '', p.operator ? `@${str(p.operator)}` : ''];
  } else if (i.items?.length) {
    detail = [i.items.map((x) => `${x.name ?? ''}×${x.quantity}`).join('，')];
  } else if (Object.keys(p).length) {
    detail = [Object.entries(p).slice(0, 4).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ')];
  }
  detail = detail.filter(Boolean);
  return (
    <div data-testid={`timeline-${i.kind}`}>
      <Space wrap size={4}>
        <Tag color={COLORS[i.kind] ?? 'blue'}>{kindLabel}</Tag>
        <b>{title}</b>
        {typeof i.amount === 'number' && <span>{formatMetric('gmv', i.amount, num)}</span>}
        {i.channel && i.kind !== 'message' && <Typography.Text type="secondary">{i.channel}</Typography.Text>}
      </Space>
      <div style={{ fontSize: 12, color: '#888' }}>
        {dt(i.ts)}
        {detail.length ? ' · ' + detail.join(' · ') : ''}
      </div>
    </div>
  );
}

const COLORS: Record<string, string> = { order: 'green', refund: 'red', message: 'purple', points: 'gold', event: 'blue' };

// Journeys: the list (status filter in the URL) and a journey's page: totals, and its published steps as a read-only
// list in flow order with where each leads and per-step counts (entered, waiting, completed, outcomes) and a chart.
import { Card, Col, Descriptions, Row, Segmented, Space, Statistic, Table, Tag, Typography } from 'antd';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import type { Journey, JourneyStepStats } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, useLoad } from '../../components/state';
import { Chart } from '../../components/Chart';
import { PageHead } from '../../components/forms';

const STATUSES = ['draft', 'live', 'paused', 'archived'] as const;
const COLOR: Record<string, string> = { live: 'green', paused: 'orange', draft: 'default', archived: 'default' };

export function Journeys() {
  const { t, dt } = useI18n();
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const list = useLoad((signal) => api('get', '/api/journeys', { query: { status: (status || undefined) as 'live' | undefined }, signal }), [status]);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageHead title="journeys.title" />
      <Card>
        <Segmented
          style={{ marginBottom: 16 }}
          value={status}
          onChange={(v) => setParams(v ? { status: String(v) } : {})}
          options={[{ label: t('common.all'), value: '' }, ...STATUSES.map((s) => ({ label: t(`journeys.status.${s}`), value: s }))]}
        />
        <Async state={list} empty={(d) => d.data.length === 0}>
          {(d) => (
            <Table<Journey>
              rowKey="id"
              dataSource={d.data}
              columns={[
                { title: t('common.name'), dataIndex: 'name', render: (n: string, j) => <Link to={`/engagement/journeys/${j.id}`}>{n}</Link> },
                { title: t('common.status'), dataIndex: 'status', render: (s: string) => <Tag color={COLOR[s]}>{t(`journeys.status.${s}` as 'journeys.status.live')}</Tag> },
                { title: t('journeys.version'), dataIndex: 'version' },
                { title: t('journeys.liveSince'), dataIndex: 'live_since', render: (v: string | null) => dt(v) },
                { title: t('common.createdAt'), dataIndex: 'created_at', render: (v: string) => dt(v) },
              ]}
            />
          )}
        </Async>
      </Card>
    </Space>
  );
}

type StepDef = { type: string; name?: string; next?: string; then?: string; else?: string; on_event?: string; on_timeout?: string; branches?: Array<{ next: string; name?: string }> };
interface Definition { trigger?: unknown; start: string; steps: Record<string, StepDef> }

/** Where a step leads, as "label → step" pairs. */
function exits(s: StepDef): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (s.next) out.push(['', s.next]);
  if (s.then) out.push(['then', s.then]);
  if (s.else) out.push(['else', s.else]);
  if (s.on_event) out.push(['on_event', s.on_event]);
  if (s.on_timeout) out.push(['on_timeout', s.on_timeout]);
  s.branches?.forEach((b, i) => out.push([b.name ?? `#${i + 1}`, b.next]));
  return out;
}

/** Steps in breadth-first order from the start, then any left over. */
function flowOrder(d: Definition): string[] {
  const seen = new Set<string>();
  const queue = [d.start];
  while (queue.length) {
    const id = queue.shift()!;
    if (seen.has(id) || !d.steps[id]) continue;
    seen.add(id);
    for (const [, to] of exits(d.steps[id])) queue.push(to);
  }
  return [...seen, ...Object.keys(d.steps).filter((k) => !seen.has(k))];
}

export function JourneyDetail() {
  const { id = '' } = useParams();
  const { t, num, dt } = useI18n();
  const data = useLoad(async (signal) => {
    const [j, stats] = await Promise.all([api('get', '/api/journeys/{id}', { path: { id }, signal }), api('get', '/api/journeys/{id}/stats', { path: { id }, signal })]);
    return { j, stats };
  }, [id]);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Link to="/engagement/journeys">← {t('journeys.title')}</Link>
      <Async state={data}>
        {({ j, stats }) => {
          const def = j.definition as Definition | null;
          const byStep = new Map(stats.steps.map((s) => [s.step_id, s]));
          const order = def ? flowOrder(def) : stats.steps.map((s) => s.step_id);
          const rows = order.map((sid) => ({ sid, def: def?.steps[sid], s: byStep.get(sid) }));
          return (
            <>
              <Card title={j.name} extra={<Tag color={COLOR[j.status]}>{t(`journeys.status.${j.status}` as 'journeys.status.live')}</Tag>}>
                <Descriptions size="small" column={3}>
                  <Descriptions.Item label={t('journeys.version')}>{j.version}</Descriptions.Item>
                  <Descriptions.Item label={t('journeys.liveSince')}>{dt(j.live_since)}</Descriptions.Item>
                  <Descriptions.Item label={t('journeys.trigger')}><code>{def ? JSON.stringify(def.trigger) : '—'}</code></Descriptions.Item>
                </Descriptions>
                <Row gutter={16} style={{ marginTop: 12 }}>
                  {(['entered', 'active', 'completed', 'goal', 'exited', 'holdout', 'failed'] as const).map((k) => (
                    <Col key={k} span={3}><Statistic title={t(`journeys.t.${k}`)} value={stats.totals[k]} /></Col>
                  ))}
                </Row>
              </Card>
              <Card title={t('journeys.steps')}>
                {!def ? <Typography.Text type="secondary">{t('journeys.notPublished')}</Typography.Text> : null}
                <Table
                  rowKey="sid"
                  size="small"
                  pagination={false}
                  data-testid="journey-steps"
                  dataSource={rows}
                  columns={[
                    { title: t('journeys.step'), render: (_, r) => <Space><code>{r.sid}</code>{r.def?.name ?? r.s?.name ?? ''}{r.sid === def?.start ? <Tag color="blue">{t('journeys.start')}</Tag> : null}</Space> },
                    { title: t('journeys.type'), render: (_, r) => <Tag>{r.def?.type ?? r.s?.type}</Tag> },
                    { title: t('journeys.next'), render: (_, r) => (r.def ? exits(r.def).map(([l, to]) => <div key={l + to}>{l ? `${l} ` : ''}→ <code>{to}</code></div>) : '—') },
                    { title: t('journeys.t.entered'), align: 'right', render: (_, r) => num(r.s?.entered ?? 0) },
                    { title: t('journeys.waiting'), align: 'right', render: (_, r) => num(r.s?.waiting ?? 0) },
                    { title: t('journeys.t.completed'), align: 'right', render: (_, r) => num(r.s?.completed ?? 0) },
                    { title: t('journeys.t.goal'), align: 'right', render: (_, r) => num(r.s?.exited_by_goal ?? 0) },
                    { title: t('journeys.outcomes'), render: (_, r) => Object.entries((r.s as JourneyStepStats | undefined)?.outcomes ?? {}).map(([k, n]) => <Tag key={k}>{k}: {num(n)}</Tag>) },
                  ]}
                />
                {stats.steps.length > 0 ? (
                  <Chart
                    height={260}
                    option={{
                      tooltip: { trigger: 'axis' },
                      legend: {},
                      grid: { left: 40, right: 20, bottom: 30 },
                      xAxis: { type: 'category', data: rows.map((r) => r.sid) },
                      yAxis: { type: 'value', minInterval: 1 },
                      series: [
                        { type: 'bar', name: t('journeys.t.entered'), data: rows.map((r) => r.s?.entered ?? 0) },
                        { type: 'bar', name: t('journeys.waiting'), data: rows.map((r) => r.s?.waiting ?? 0) },
                        { type: 'bar', name: t('journeys.t.completed'), data: rows.map((r) => r.s?.completed ?? 0) },
                      ],
                    }}
                  />
                ) : null}
              </Card>
            </>
          );
        }}
      </Async>
    </Space>
  );
}

// Dashboard: KPI cards against the previous period, trends (members, active, orders, repurchase) and the GMV
// decomposition for new and returning buyers. Period and granularity live in the query string.
import { useMemo } from 'react';
import { Card, Col, DatePicker, Input, Row, Segmented, Space, Statistic, Table, Typography } from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined } from '@ant-design/icons';
import { useNavigate, useSearchParams } from 'react-router-dom';
import dayjs from 'dayjs';
import { api } from '../api/client';
import type { GmvPart, Kpi } from '../api/types';
import { useI18n, type MessageKey } from '../i18n';
import { Async, useLoad } from '../components/state';
import { Chart, type ChartOption } from '../components/Chart';
import { formatMetric, pct } from '../format';
import { ChannelBlock } from './analytics/Channels';

const PERIODS = ['day', 'week', 'month', 'quarter', 'year'] as const;
type PeriodUnit = (typeof PERIODS)[number];
const CARDS = ['members', 'new_members', 'active_members', 'buyers', 'conversion', 'repurchase_rate', 'orders', 'aov', 'gmv', 'arpu'] as const;

export function Dashboard() {
  const { t, num } = useI18n();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const period = (PERIODS as readonly string[]).includes(params.get('period') ?? '') ? (params.get('period') as PeriodUnit) : 'month';
  const date = params.get('date') ?? undefined;
  const granularity = (['day', 'week', 'month'] as const).find((g) => g === params.get('granularity')) ?? 'day';
  const set = (k: string, v: string | undefined) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next, { replace: true });
  };

  const kpis = useLoad((signal) => api('get', '/api/analytics/kpis', { query: { period, date }, signal }), [period, date]);
  const gmv = useLoad((signal) => api('get', '/api/analytics/gmv', { query: { period, date }, signal }), [period, date]);
  const trends = useLoad((signal) => api('get', '/api/analytics/trends', { query: { granularity }, signal }), [granularity]);

  return (
    <Space direction="vertical" size="large" style={{ width: '100%' }}>
      <Row justify="space-between" align="middle" gutter={[16, 16]}>
        <Col><Typography.Title level={3} style={{ margin: 0 }}>{t('dash.title')}</Typography.Title></Col>
        <Col>
          <Space wrap>
            <Input.Search
              allowClear
              data-testid="dashboard-member-search"
              placeholder={t('dash.findMember')}
              style={{ width: 300 }}
              onSearch={(q) => q.trim() && navigate(`/members?q=${encodeURIComponent(q.trim())}`)}
            />
            <Segmented
              value={period}
              data-testid="period-switch"
              onChange={(v) => set('period', v === 'month' ? undefined : String(v))}
              options={PERIODS.map((p) => ({ value: p, label: t(`dash.period.${p}` as MessageKey) }))}
            />
            <DatePicker allowClear value={date ? dayjs(date) : null} onChange={(d) => set('date', d ? d.format('YYYY-MM-DD') : undefined)} />
          </Space>
        </Col>
      </Row>

      <Async state={kpis} minHeight={200}>
        {(k) => (
          <>
            <Typography.Text type="secondary">
              {k.period.from} ~ {k.period.to} · {t('dash.prev')} {k.previous_period.from} ~ {k.previous_period.to}
            </Typography.Text>
            <Row gutter={[16, 16]} style={{ marginTop: 8 }} data-testid="kpi-cards">
              {CARDS.map((m) => {
                const kpi = k.kpis.find((x) => x.metric === m);
                return kpi ? <Col key={m} xs={12} md={8} xl={6} xxl={4}><KpiCard kpi={kpi} /></Col> : null;
              })}
            </Row>
          </>
        )}
      </Async>

      <Card
        title={t('dash.trends')}
        extra={
          <Segmented
            size="small"
            value={granularity}
            onChange={(v) => set('granularity', v === 'day' ? undefined : String(v))}
            options={(['day', 'week', 'month'] as const).map((g) => ({ value: g, label: t(`dash.period.${g}` as MessageKey) }))}
          />
        }
      >
        <Async state={trends} empty={(d) => d.series.length === 0} minHeight={320}>
          {(d) => <Trends series={d.series} />}
        </Async>
      </Card>

      <Card title={t('dash.gmv')}>
        <Async state={gmv}>
          {(g) => {
            const rows = (['new', 'returning', 'all'] as const).map((seg) => ({ seg, cur: g.current[seg], prev: g.previous[seg] }));
            const cell = (metric: keyof GmvPart, fmt: string) => (_: unknown, r: (typeof rows)[number]) => (
              <div>
                <div>{formatMetric(fmt, r.cur[metric] as number, num)}</div>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>{t('dash.prev')} {formatMetric(fmt, r.prev[metric] as number, num)}</Typography.Text>
              </div>
            );
            return (
              <Table
                data-testid="gmv-table"
                size="small"
                pagination={false}
                rowKey="seg"
                dataSource={rows}
                columns={[
                  { title: t('dash.gmv.segment'), dataIndex: 'seg', render: (s: string) => <b>{t(`dash.gmv.${s}` as MessageKey)}</b> },
                  { title: t('dash.gmv.base'), render: cell('base', 'count') },
                  { title: '×', width: 20, render: () => '' },
                  { title: t('dash.gmv.conversion'), render: cell('conversion', 'conversion') },
                  { title: '=', width: 20, render: () => '' },
                  { title: t('dash.gmv.buyers'), render: cell('buyers', 'count') },
                  { title: '×', width: 20, render: () => '' },
                  { title: t('dash.gmv.opb'), render: cell('orders_per_buyer', 'count') },
                  { title: '×', width: 20, render: () => '' },
                  { title: t('dash.gmv.aov'), render: cell('aov', 'aov') },
                  { title: '=', width: 20, render: () => '' },
                  { title: t('dash.gmv.gmv'), render: cell('gmv', 'gmv') },
                  { title: t('dash.gmv.share'), render: (_: unknown, r) => pct(r.cur.gmv_share, num) },
                ]}
              />
            );
          }}
        </Async>
      </Card>

      <ChannelBlock period={period} date={date} />
    </Space>
  );
}

function KpiCard({ kpi }: { kpi: Kpi }) {
  const { t, num } = useI18n();
  const up = (kpi.change ?? 0) >= 0;
  return (
    <Card size="small" data-testid={`kpi-${kpi.metric}`}>
      <Statistic title={t(`kpi.${kpi.metric}` as MessageKey)} value={formatMetric(kpi.metric, kpi.value, num)} />
      <Typography.Text type={kpi.change === null || kpi.change === 0 ? 'secondary' : up ? 'success' : 'danger'} style={{ fontSize: 12 }}>
        {kpi.change === null ? '—' : up ? <ArrowUpOutlined /> : <ArrowDownOutlined />} {t('dash.vsPrev')}{' '}
        {kpi.change_pct === null ? formatMetric(kpi.metric, kpi.change, num) : pct(Math.abs(kpi.change_pct), num)}
      </Typography.Text>
    </Card>
  );
}

function Trends({ series }: { series: Array<{ date: string; members: number; active_members: number; orders: number; repurchase_rate: number | null }> }) {
  const { t } = useI18n();
  const [left, right] = useMemo((): [ChartOption, ChartOption] => {
    const dates = series.map((s) => s.date);
    const base = { tooltip: { trigger: 'axis' }, legend: { top: 0 }, grid: { left: 48, right: 48, top: 36, bottom: 28 }, xAxis: { type: 'category', data: dates } };
    return [
      {
        ...base,
        yAxis: [{ type: 'value', name: t('series.members'), scale: true }, { type: 'value', name: t('series.active_members') }],
        series: [
          { name: t('series.members'), type: 'line', smooth: true, showSymbol: false, data: series.map((s) => s.members) },
          { name: t('series.active_members'), type: 'bar', yAxisIndex: 1, data: series.map((s) => s.active_members) },
        ],
      },
      {
        ...base,
        yAxis: [{ type: 'value', name: t('series.orders') }, { type: 'value', name: t('series.repurchase_rate'), axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } }],
        series: [
          { name: t('series.orders'), type: 'bar', data: series.map((s) => s.orders) },
          { name: t('series.repurchase_rate'), type: 'line', smooth: true, yAxisIndex: 1, showSymbol: false, data: series.map((s) => s.repurchase_rate) },
        ],
      },
    ];
  }, [series, t]);
  return (
    <Row gutter={16} data-testid="trends-chart">
      <Col xs={24} xl={12}><Chart option={left} /></Col>
      <Col xs={24} xl={12}><Chart option={right} /></Col>
    </Row>
  );
}

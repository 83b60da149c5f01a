// Segment insights under the segment list: the RFM R×F grid (members per recency × frequency score), lifecycle
// stages as a funnel with the transition flow between two dates (sankey, dates in the URL), and value tiers.
import { useMemo, useState } from 'react';
import { Button, Card, Col, DatePicker, Empty, Row, Space, Table, Typography } from 'antd';
import dayjs from 'dayjs';
import { api } from '../../api/client';
import type { LifecycleTransitions, RfmGrid, ValueTierDistribution } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { Chart, type ChartOption } from '../../components/Chart';
import { formatMetric, pct } from '../../format';
import { CsvButton, useQuery } from '../analytics/kit';

/** A compute button for a score kind with its own busy and error state. */
function useCompute(path: '/api/rfm/compute' | '/api/lifecycle/compute' | '/api/value-tiers/compute', after: () => void) {
  const [s, setS] = useState<{ busy: boolean; error?: unknown }>({ busy: false });
  const run = async () => {
    setS({ busy: true });
    try {
      await api('post', path, { body: {} });
      setS({ busy: false });
      after();
    } catch (e) {
      setS({ busy: false, error: e });
    }
  };
  return { ...s, run };
}

export function SegmentInsights() {
  return (
    <>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}><RfmGridCard /></Col>
        <Col xs={24} xl={12}><ValueTierCard /></Col>
      </Row>
      <LifecycleCard />
    </>
  );
}

export function RfmGridCard() {
  const { t } = useI18n();
  const grid = useLoad((signal) => api('get', '/api/rfm/grid', { signal }), []);
  const compute = useCompute('/api/rfm/compute', grid.reload);
  return (
    <Card
      data-testid="rfm-grid-card"
      title={t('seg.rfmGrid')}
      extra={
        <Space>
          {grid.data?.as_of && <Typography.Text type="secondary">{t('segments.rfm.asOf')} {grid.data.as_of}</Typography.Text>}
          <Button size="small" loading={compute.busy} onClick={compute.run} data-testid="rfm-grid-compute">{t('segments.rfm.compute')}</Button>
        </Space>
      }
    >
      {compute.error ? <ErrorAlert error={compute.error} /> : null}
      <Async state={grid} minHeight={300}>
        {(d) => (d.run_id ? <RfmGridChart d={d} /> : <Empty description={t('segments.rfm.none')} />)}
      </Async>
    </Card>
  );
}

function RfmGridChart({ d }: { d: RfmGrid }) {
  const { t, num } = useI18n();
  const option = useMemo((): ChartOption => {
    const max = Math.max(1, ...d.cells.map((c) => c.count));
    return {
      tooltip: {
        formatter: (p: { value: [number, number, number, number, number] }) =>
          `R${p.value[1] + 1} × F${p.value[0] + 1}<br/>${t('seg.members')}: ${num(p.value[2])} (${pct(p.value[3], num)})<br/>${t('segments.rfm.revenue')}: ${pct(p.value[4], num)}`,
      },
      grid: { left: 64, right: 16, top: 16, bottom: 96 },
      xAxis: { type: 'category', name: t('seg.fScore'), nameLocation: 'middle', nameGap: 28, data: [1, 2, 3, 4, 5].map((f) => `F${f}`), splitArea: { show: true } },
      yAxis: { type: 'category', name: t('seg.rScore'), nameLocation: 'middle', nameGap: 40, data: [1, 2, 3, 4, 5].map((r) => `R${r}`), splitArea: { show: true } },
      visualMap: { min: 0, max, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, inRange: { color: ['#f5f8fb', '#8ab8e0', '#1f5f99'] } },
      series: [{ type: 'heatmap', data: d.cells.map((c) => [c.f_score - 1, c.r_score - 1, c.count, c.share, c.revenue_share]), label: { show: true, formatter: (p: { value: number[] }) => num(p.value[2]) } }],
    };
  }, [d, num, t]);
  return (
    <div data-testid="rfm-grid">
      <Chart option={option} height={340} />
      <div style={{ display: 'flex', justifyContent: 'space-between' }}>
        <Typography.Text type="secondary">{t('seg.rfmGridNote')}</Typography.Text>
        <CsvButton filename={`rfm-grid-${d.as_of}.csv`} columns={['r_score', 'f_score', 'count', 'share', 'revenue', 'revenue_share']} rows={() => d.cells.map((c) => [c.r_score, c.f_score, c.count, c.share, c.revenue, c.revenue_share])} />
      </div>
    </div>
  );
}

export function ValueTierCard() {
  const { t } = useI18n();
  const tiers = useLoad((signal) => api('get', '/api/value-tiers/distribution', { signal }), []);
  const compute = useCompute('/api/value-tiers/compute', tiers.reload);
  return (
    <Card
      title={t('seg.valueTiers')}
      extra={
        <Space>
          {tiers.data?.as_of && <Typography.Text type="secondary">{t('segments.rfm.asOf')} {tiers.data.as_of}</Typography.Text>}
          <Button size="small" loading={compute.busy} onClick={compute.run} data-testid="value-tier-compute">{t('seg.compute')}</Button>
        </Space>
      }
    >
      {compute.error ? <ErrorAlert error={compute.error} /> : null}
      <Async state={tiers} minHeight={300}>
        {(d) => (d.run_id ? <ValueTierChart d={d} /> : <Empty description={t('seg.valueTiersNone')} />)}
      </Async>
    </Card>
  );
}

function ValueTierChart({ d }: { d: ValueTierDistribution }) {
  const { t, lang, num } = useI18n();
  const name = (x: { name_zh: string; name_en: string }) => (lang === 'zh' ? x.name_zh : x.name_en);
  const option = useMemo((): ChartOption => ({
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 48, right: 56, top: 40, bottom: 32 },
    xAxis: { type: 'category', data: d.tiers.map(name) },
    yAxis: [{ type: 'value', name: t('seg.members'), minInterval: 1 }, { type: 'value', name: t('seg.spendShare'), max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } }],
    series: [
      { name: t('seg.members'), type: 'bar', data: d.tiers.map((x) => x.count), barMaxWidth: 56, itemStyle: { color: '#1f7a5c' }, label: { show: true, position: 'top' } },
      { name: t('seg.spendShare'), type: 'line', yAxisIndex: 1, data: d.tiers.map((x) => x.spend_share) },
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }), [d, lang, t]);
  return (
    <div data-testid="value-tier-chart">
      <Chart option={option} height={260} />
      <Table
        size="small"
        pagination={false}
        rowKey="tier"
        dataSource={d.tiers}
        columns={[
          { title: t('seg.tier'), render: (_: unknown, x) => name(x) },
          { title: t('seg.members'), dataIndex: 'count', align: 'right', render: (n: number) => num(n) },
          { title: t('seg.share'), dataIndex: 'share', align: 'right', render: (n: number) => pct(n, num) },
          { title: t('seg.avgSpend'), dataIndex: 'avg_spend', align: 'right', render: (n: number | null) => formatMetric('avg_spend', n, num) },
          { title: t('seg.spendShare'), dataIndex: 'spend_share', align: 'right', render: (n: number) => pct(n, num) },
        ]}
      />
    </div>
  );
}

export function LifecycleCard() {
  const { t, lang, num } = useI18n();
  const q = useQuery();
  const to = q.get('lc_to') ?? dayjs().format('YYYY-MM-DD');
  const from = q.get('lc_from') ?? dayjs(to).subtract(30, 'day').format('YYYY-MM-DD');
  const dist = useLoad((signal) => api('get', '/api/lifecycle/distribution', { signal }), []);
  const flow = useLoad((signal) => api('get', '/api/lifecycle/transitions', { query: { from, to }, signal }), [from, to]);
  const compute = useCompute('/api/lifecycle/compute', dist.reload);
  const name = (x: { name_zh: string; name_en: string }) => (lang === 'zh' ? x.name_zh : x.name_en);

  const funnel = useMemo((): ChartOption | null => {
    const d = dist.data;
    if (!d?.run_id) return null;
    return {
      tooltip: { trigger: 'item', formatter: (p: { name: string; value: number; dataIndex: number }) => `${p.name}: ${num(p.value)} (${pct(d.stages[p.dataIndex].share, num)})` },
      series: [{
        type: 'funnel', sort: 'none', left: 24, right: 24, top: 16, bottom: 16, minSize: '12%', gap: 2,
        label: { show: true, position: 'inside', formatter: (p: { name: string; value: number }) => `${p.name} ${num(p.value)}` },
        // Stage order of the lifecycle (not sorted by size): each stage is a width by its count.
        data: d.stages.map((s) => ({ name: name(s), value: s.count })),
      }],
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [dist.data, lang, num]);

  return (
    <Card
      title={t('seg.lifecycle')}
      extra={
        <Space>
          {dist.data?.as_of && <Typography.Text type="secondary">{t('segments.rfm.asOf')} {dist.data.as_of}</Typography.Text>}
          <Button size="small" loading={compute.busy} onClick={compute.run} data-testid="lifecycle-compute">{t('seg.compute')}</Button>
        </Space>
      }
    >
      {compute.error ? <ErrorAlert error={compute.error} /> : null}
      <Row gutter={[24, 16]}>
        <Col xs={24} xl={10}>
          <Typography.Title level={5}>{t('seg.lifecycleFunnel')}</Typography.Title>
          <Async state={dist} minHeight={300}>
            {() => (funnel ? <div data-testid="lifecycle-funnel"><Chart option={funnel} height={320} /></div> : <Empty description={t('seg.lifecycleNone')} />)}
          </Async>
        </Col>
        <Col xs={24} xl={14}>
          <Space style={{ width: '100%', justifyContent: 'space-between' }} wrap>
            <Typography.Title level={5} style={{ margin: 0 }}>{t('seg.flow')}</Typography.Title>
            <DatePicker.RangePicker
              size="small"
              data-testid="lifecycle-range"
              allowClear={false}
              value={[dayjs(from), dayjs(to)]}
              onChange={(r) => r?.[0] && r[1] && q.set({ lc_from: r[0].format('YYYY-MM-DD'), lc_to: r[1].format('YYYY-MM-DD') })}
            />
          </Space>
          <Async state={flow} minHeight={300} empty={(d) => d.total === 0}>
            {(d) => <Flow d={d} />}
          </Async>
        </Col>
      </Row>
    </Card>
  );
}

function Flow({ d }: { d: LifecycleTransitions }) {
  const { t, lang, num } = useI18n();
  const label = (s: string) => d.names[s]?.[lang] ?? s;
  const option = useMemo((): ChartOption => {
    // Two columns of nodes (stage at `from`, stage at `to`): the same stage on both sides stays two nodes.
    const left = (s: string) => `${label(s)} · ${d.from}`;
    // A zero-width space keeps the right column's names apart even when both dates are the same day (a sankey has no cycles).
    const right = (s: string) => `${label(s)} · ${d.to}\u200b`;
    const links = d.states.flatMap((a) => d.states.filter((b) => (d.counts[a]?.[b] ?? 0) > 0).map((b) => ({ source: left(a), target: right(b), value: d.counts[a][b] })));
    const used = new Set(links.flatMap((l) => [l.source, l.target]));
    const nodes = [...d.states.map(left), ...d.states.map(right)].filter((n) => used.has(n)).map((name) => ({ name }));
    return {
      tooltip: { trigger: 'item', formatter: (p: { dataType: string; name: string; value: number; data: { source?: string; target?: string } }) => (p.dataType === 'edge' ? `${p.data.source} → ${p.data.target}: ${num(p.value)}` : `${p.name}: ${num(p.value)}`) },
      series: [{ type: 'sankey', left: 8, right: 120, top: 8, bottom: 8, nodeAlign: 'justify', emphasis: { focus: 'adjacency' }, lineStyle: { color: 'gradient', curveness: 0.5, opacity: 0.4 }, label: { fontSize: 11 }, data: nodes, links }],
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [d, lang, num]);
  const rows = () => d.states.flatMap((a) => d.states.map((b) => [a, b, d.counts[a]?.[b] ?? 0, d.rates[a]?.[b] ?? null]));
  return (
    <div data-testid="lifecycle-sankey">
      <Chart option={option} height={320} />
      <div style={{ display: 'flex', justifyContent: 'space-between' }}>
        <Typography.Text type="secondary">{t('seg.flowNote')} · {num(d.total)} {t('common.members')}</Typography.Text>
        <CsvButton filename={`lifecycle-${d.from}-${d.to}.csv`} columns={['from_stage', 'to_stage', 'count', 'rate']} rows={rows} />
      </div>
    </div>
  );
}

// Channel comparison: members, new members, buyers, orders, GMV, AOV and repurchase by the member's source channel
// (and by the channel orders came through). Used on the analytics page and on the dashboard for the same period.
import { useMemo } from 'react';
import { Card, Segmented, Space, Table, Typography } from 'antd';
import { api } from '../../api/client';
import type { ChannelReport, ChannelRow } from '../../api/types';
import { useI18n, type MessageKey } from '../../i18n';
import { Async, useLoad } from '../../components/state';
import { Chart, type ChartOption } from '../../components/Chart';
import { formatMetric, pct } from '../../format';
import { CsvButton, useQuery } from './kit';

export interface PeriodArgs { period?: 'day' | 'week' | 'month' | 'quarter' | 'year'; date?: string; from?: string; to?: string }

const PERIODS = ['day', 'week', 'month', 'quarter', 'year'] as const;

/** The analytics tab: its own period switch in the URL. */
export function ChannelsTab() {
  const { t } = useI18n();
  const q = useQuery();
  const period = (PERIODS as readonly string[]).includes(q.get('period') ?? '') ? (q.get('period') as PeriodArgs['period']) : 'month';
  return (
    <ChannelBlock
      period={period}
      date={q.get('date')}
      extra={
        <Segmented
          size="small"
          value={period}
          onChange={(v) => q.set({ period: v === 'month' ? undefined : String(v) })}
          options={PERIODS.map((p) => ({ value: p, label: t(`dash.period.${p}` as MessageKey) }))}
        />
      }
    />
  );
}

export function ChannelBlock({ extra, ...p }: PeriodArgs & { extra?: React.ReactNode }) {
  const { t } = useI18n();
  const q = useQuery();
  const dim = q.get('ch') === 'order' ? 'order' : 'source';
  const report = useLoad((signal) => api('get', '/api/analytics/channels', { query: { period: p.period, date: p.date, from: p.from, to: p.to }, signal }), [p.period, p.date, p.from, p.to]);
  return (
    <Card
      title={t('an.ch.title')}
      data-testid="channel-block"
      extra={
        <Space wrap>
          <Segmented
            size="small"
            value={dim}
            onChange={(v) => q.set({ ch: v === 'source' ? undefined : 'order' })}
            options={[{ value: 'source', label: t('an.ch.bySource') }, { value: 'order', label: t('an.ch.byOrder') }]}
          />
          {extra}
        </Space>
      }
    >
      <Async state={report} empty={(d) => d.by_source.length === 0 && d.by_order_channel.length === 0} minHeight={240}>
        {(d) => <ChannelView d={d} dim={dim} />}
      </Async>
    </Card>
  );
}

function ChannelView({ d, dim }: { d: ChannelReport; dim: 'source' | 'order' }) {
  const { t, num } = useI18n();
  const rows = dim === 'source' ? d.by_source : d.by_order_channel;
  const name = (c: string | null) => c ?? t('an.ch.unknown');
  const option = useMemo((): ChartOption => ({
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 56, right: 56, top: 40, bottom: 32 },
    xAxis: { type: 'category', data: rows.map((r) => name(r.channel)) },
    yAxis: [{ type: 'value', name: 'GMV' }, { type: 'value', name: t('an.ch.buyers'), minInterval: 1 }],
    series: [
      { name: 'GMV', type: 'bar', data: rows.map((r) => r.gmv), barMaxWidth: 48, itemStyle: { color: '#1f7a5c' } },
      ...(dim === 'source' ? [{ name: t('an.ch.newMembers'), type: 'bar', yAxisIndex: 1, data: rows.map((r) => r.new_members), barMaxWidth: 48, itemStyle: { color: '#9cc9b4' } }] : []),
      { name: t('an.ch.buyers'), type: 'line', yAxisIndex: 1, data: rows.map((r) => r.buyers) },
    ],
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }), [rows, dim, t]);
  const columns = ['dimension', 'channel', 'members', 'new_members', 'buyers', 'orders', 'gmv', 'aov', 'repurchase_rate'];
  const csv = () => [...d.by_source.map((c) => ['source', c] as const), ...d.by_order_channel.map((c) => ['order', c] as const)].map(([k, c]) => [k, c.channel, c.members, c.new_members, c.buyers, c.orders, c.gmv, c.aov, c.repurchase_rate]);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{d.period.from} ~ {d.period.to}</Typography.Text>
      {rows.length ? <div data-testid="channel-chart"><Chart option={option} height={260} /></div> : null}
      <div style={{ display: 'flex', justifyContent: 'flex-end' }}><CsvButton filename={`channels-${d.period.from}-${d.period.to}.csv`} columns={columns} rows={csv} testId="channel-export" /></div>
      <Table<ChannelRow>
        data-testid="channel-table"
        size="small"
        pagination={false}
        rowKey={(r) => r.channel ?? '∅'}
        dataSource={rows}
        columns={[
          { title: t('an.ch.channel'), dataIndex: 'channel', render: (c: string | null) => name(c) },
          ...(dim === 'source'
            ? [
                { title: t('an.ch.members'), dataIndex: 'members', align: 'right' as const, render: (n: number | null) => num(n) },
                { title: t('an.ch.newMembers'), dataIndex: 'new_members', align: 'right' as const, render: (n: number | null) => num(n) },
              ]
            : []),
          { title: t('an.ch.buyers'), dataIndex: 'buyers', align: 'right', render: (n: number) => num(n) },
          { title: t('an.ch.orders'), dataIndex: 'orders', align: 'right', render: (n: number) => num(n) },
          { title: 'GMV', dataIndex: 'gmv', align: 'right', render: (n: number) => formatMetric('gmv', n, num) },
          { title: t('an.ch.aov'), dataIndex: 'aov', align: 'right', render: (n: number | null) => formatMetric('aov', n, num) },
          { title: t('an.ch.repurchase'), dataIndex: 'repurchase_rate', align: 'right', render: (n: number | null) => pct(n, num) },
        ]}
      />
    </Space>
  );
}

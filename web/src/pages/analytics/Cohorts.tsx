// Cohort heatmap: acquisition cohorts (first order or signup, by month or week) × offset, coloured by the share of
// the cohort active (retention) or buying again (repurchase). Unit, cohort basis, metric and range are in the URL.
import { useMemo } from 'react';
import { Card, DatePicker, Segmented, Space, Table, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import { api } from '../../api/client';
import type { CohortReport } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, useLoad } from '../../components/state';
import { Chart, type ChartOption } from '../../components/Chart';
import { pct } from '../../format';
import { CsvButton, useQuery } from './kit';

type Metric = 'retention' | 'repurchase';

export function Cohorts() {
  const { t } = useI18n();
  const q = useQuery();
  const unit = q.get('unit') === 'week' ? 'week' : 'month';
  const by = q.get('by') === 'signup' ? 'signup' : 'first_order';
  const metric: Metric = q.get('metric') === 'repurchase' ? 'repurchase' : 'retention';
  const from = q.get('from');
  const to = q.get('to');
  const report = useLoad((signal) => api('get', '/api/analytics/cohorts', { query: { unit, cohort_by: by, from, to }, signal }), [unit, by, from, to]);

  return (
    <Card
      title={t('an.cohort.title')}
      extra={
        <Space wrap>
          <Segmented
            size="small"
            data-testid="cohort-metric"
            value={metric}
            onChange={(v) => q.set({ metric: v === 'retention' ? undefined : String(v) })}
            options={[{ value: 'retention', label: t('an.cohort.retention') }, { value: 'repurchase', label: t('an.cohort.repurchase') }]}
          />
          <Segmented
            size="small"
            data-testid="cohort-unit"
            value={unit}
            onChange={(v) => q.set({ unit: v === 'month' ? undefined : String(v), from: undefined, to: undefined })}
            options={[{ value: 'month', label: t('an.unit.month') }, { value: 'week', label: t('an.unit.week') }]}
          />
          <Segmented
            size="small"
            value={by}
            onChange={(v) => q.set({ by: v === 'first_order' ? undefined : 'signup' })}
            options={[{ value: 'first_order', label: t('an.cohort.byFirstOrder') }, { value: 'signup', label: t('an.cohort.bySignup') }]}
          />
          <DatePicker.RangePicker
            size="small"
            allowEmpty={[true, true]}
            value={[from ? dayjs(from) : null, to ? dayjs(to) : null]}
            onChange={(r) => q.set({ from: r?.[0]?.format('YYYY-MM-DD'), to: r?.[1]?.format('YYYY-MM-DD') })}
          />
        </Space>
      }
    >
      <Async state={report} empty={(d) => d.cohorts.length === 0} minHeight={360}>
        {(d) => <CohortView d={d} metric={metric} />}
      </Async>
    </Card>
  );
}

function CohortView({ d, metric }: { d: CohortReport; metric: Metric }) {
  const { t, num } = useI18n();
  const rate = (c: CohortReport['cohorts'][number]['offsets'][number]) => (metric === 'retention' ? c.active_rate : c.repurchase_rate);
  const count = (c: CohortReport['cohorts'][number]['offsets'][number]) => (metric === 'retention' ? c.active : c.repurchasing);
  const offsets = Array.from({ length: d.max_offset + 1 }, (_, k) => k);
  const label = (k: number) => `${d.unit === 'month' ? 'M' : 'W'}${k}`;
  const option = useMemo((): ChartOption => {
    const cohorts = d.cohorts.map((c) => c.cohort);
    const data: Array<[number, number, number, number]> = [];
    d.cohorts.forEach((c, y) => c.offsets.forEach((o) => {
      const r = rate(o);
      if (r !== null) data.push([o.offset, y, r, count(o)]);
    }));
    const max = Math.max(0.0001, ...data.map((x) => x[2]));
    return {
      tooltip: {
        formatter: (p: { value: [number, number, number, number] }) => {
          const [x, y, r, n] = p.value;
          return `${cohorts[y]} · ${label(x)}<br/>${metric === 'retention' ? t('an.cohort.retention') : t('an.cohort.repurchase')}: ${pct(r, num)} (${num(n)} / ${num(d.cohorts[y].size)})`;
        },
      },
      grid: { left: 96, right: 24, top: 16, bottom: 96 },
      xAxis: { type: 'category', data: offsets.map(label), splitArea: { show: true } },
      yAxis: { type: 'category', data: cohorts.map((c, i) => `${c} (${num(d.cohorts[i].size)})`), inverse: true, splitArea: { show: true } },
      visualMap: { min: 0, max, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, itemHeight: 120, formatter: (v: number) => pct(v, num), inRange: { color: ['#f0f9f4', '#7cc4a1', '#1f7a5c'] } },
      series: [{ type: 'heatmap', data, label: { show: offsets.length <= 16, formatter: (p: { value: number[] }) => pct(p.value[2], num).replace('%', ''), fontSize: 10 }, emphasis: { itemStyle: { borderColor: '#333', borderWidth: 1 } } }],
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [d, metric, num, t]);

  const columns = ['cohort', 'size', 'offset', 'active', 'active_rate', 'repurchasing', 'repurchase_rate'];
  const csvRows = () => d.cohorts.flatMap((c) => c.offsets.map((o) => [c.cohort, c.size, o.offset, o.active, o.active_rate, o.repurchasing, o.repurchase_rate]));
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">
        {t('an.cohort.note')} · {t('an.asOf')} {d.as_of} · {d.timezone}
      </Typography.Text>
      <div data-testid="cohort-heatmap"><Chart option={option} height={Math.max(300, 44 + d.cohorts.length * 28 + 96)} /></div>
      <div style={{ display: 'flex', justifyContent: 'flex-end' }}>
        <CsvButton filename={`cohorts-${d.unit}-${d.cohort_by}.csv`} columns={columns} rows={csvRows} testId="cohort-export" />
      </div>
      <Table
        data-testid="cohort-table"
        size="small"
        rowKey="cohort"
        pagination={false}
        scroll={{ x: true }}
        dataSource={d.cohorts}
        columns={[
          { title: t('an.cohort.cohort'), dataIndex: 'cohort', fixed: 'left' },
          { title: t('an.cohort.size'), dataIndex: 'size', align: 'right', render: (n: number) => num(n) },
          ...offsets.map((k) => ({
            title: label(k),
            key: String(k),
            align: 'right' as const,
            render: (_: unknown, c: CohortReport['cohorts'][number]) => {
              const o = c.offsets.find((x) => x.offset === k);
              if (!o) return '';
              return <Tooltip title={`${num(count(o))} ${t('common.members')}`}>{pct(rate(o), num)}</Tooltip>;
            },
          })),
        ]}
      />
    </Space>
  );
}

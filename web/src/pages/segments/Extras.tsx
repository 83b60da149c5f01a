// Segment list extras: a size-trend sparkline per segment (from its recompute history; click for the chart) and
// the export of its members to Excel (the API's xlsx export).
import { useMemo, useState } from 'react';
import { Button, Modal, Tooltip } from 'antd';
import { FileExcelOutlined } from '@ant-design/icons';
import { api } from '../../api/client';
import type { Segment, SegmentHistory } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, useLoad } from '../../components/state';
import { Chart, type ChartOption } from '../../components/Chart';
import { useApiDownload } from '../analytics/kit';

export function SizeTrend({ segment }: { segment: Segment }) {
  const { t, num } = useI18n();
  const [open, setOpen] = useState(false);
  const hist = useLoad((signal) => api('get', '/api/segments/{ref}/history', { path: { ref: segment.id }, query: { days: 30 }, signal }), [segment.id, segment.version, segment.member_count]);
  const points = hist.data?.trend ?? [];
  const w = 96;
  const h = 24;
  const path = useMemo(() => {
    if (points.length === 0) return '';
    const vals = points.map((p) => p.member_count);
    const lo = Math.min(...vals);
    const hi = Math.max(...vals);
    const x = (i: number) => (points.length === 1 ? w / 2 : (i / (points.length - 1)) * (w - 4) + 2);
    const y = (v: number) => (hi === lo ? h / 2 : h - 2 - ((v - lo) / (hi - lo)) * (h - 4));
    return vals.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  }, [points]);
  if (hist.error) return <span>—</span>;
  const last = points.at(-1);
  return (
    <>
      <Tooltip title={last ? `${last.date}: ${num(last.member_count)} · +${num(last.entered)} / −${num(last.exited)}` : t('seg.noRuns')}>
        <button type="button" onClick={() => setOpen(true)} aria-label={t('seg.trend')} data-testid={`size-trend-${segment.name}`} style={{ border: 0, background: 'none', padding: 0, cursor: 'pointer' }}>
          <svg width={w} height={h} role="img">
            {points.length === 1 ? <circle cx={w / 2} cy={h / 2} r={2.5} fill="#1f7a5c" /> : <path d={path} fill="none" stroke="#1f7a5c" strokeWidth={1.5} />}
          </svg>
        </button>
      </Tooltip>
      <Modal open={open} onCancel={() => setOpen(false)} footer={null} width={720} title={`${segment.name} · ${t('seg.trend')}`} destroyOnHidden>
        <Async state={hist} empty={(d) => d.trend.length === 0}>{(d) => <TrendChart d={d} />}</Async>
      </Modal>
    </>
  );
}

function TrendChart({ d }: { d: SegmentHistory }) {
  const { t } = useI18n();
  const option = useMemo((): ChartOption => ({
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 48, right: 48, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: d.trend.map((p) => p.date) },
    yAxis: [{ type: 'value', name: t('seg.members'), scale: true, minInterval: 1 }, { type: 'value', minInterval: 1 }],
    series: [
      { name: t('seg.members'), type: 'line', data: d.trend.map((p) => p.member_count), itemStyle: { color: '#1f7a5c' } },
      { name: t('seg.entered'), type: 'bar', yAxisIndex: 1, data: d.trend.map((p) => p.entered), itemStyle: { color: '#9cc9b4' } },
      { name: t('seg.exited'), type: 'bar', yAxisIndex: 1, data: d.trend.map((p) => -p.exited), itemStyle: { color: '#e8a29b' } },
    ],
  }), [d, t]);
  return <div data-testid="segment-trend-chart"><Chart option={option} height={320} /></div>;
}

export function ExportXlsx({ segment }: { segment: Segment }) {
  const { t } = useI18n();
  const download = useApiDownload();
  const [busy, setBusy] = useState(false);
  return (
    <Button
      size="small"
      icon={<FileExcelOutlined />}
      loading={busy}
      data-testid={`export-xlsx-${segment.name}`}
      onClick={async () => {
        setBusy(true);
        await download(`/api/segments/${encodeURIComponent(segment.id)}/export?format=xlsx`, `segment-${segment.name}.xlsx`);
        setBusy(false);
      }}
    >
      {t('seg.exportXlsx')}
    </Button>
  );
}

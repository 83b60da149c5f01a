// Shared pieces of the analytics pages: the extra ECharts modules they use (heatmap, sankey, visual map), URL query
// state, CSV built in the browser, and downloads through the API with the signed-in key (for xlsx exports).
import { useCallback } from 'react';
import { App, Button } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { useSearchParams } from 'react-router-dom';
import * as echarts from 'echarts/core';
import { HeatmapChart, SankeyChart } from 'echarts/charts';
import { VisualMapComponent } from 'echarts/components';
import { ApiError } from '../../api/client';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import { errorText } from '../../components/state';

// Registered once for the whole console: Chart.tsx only bundles the common charts.
echarts.use([HeatmapChart, SankeyChart, VisualMapComponent]);

/** One query-string parameter per filter, so a link opens the same view; defaults are left out of the URL. */
export function useQuery() {
  const [params, setParams] = useSearchParams();
  const get = useCallback((k: string) => params.get(k) ?? undefined, [params]);
  const set = useCallback(
    (changes: Record<string, string | undefined | null>) => {
      setParams((prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(changes)) {
          if (v === undefined || v === null || v === '') next.delete(k);
          else next.set(k, v);
        }
        return next;
      }, { replace: true });
    },
    [setParams],
  );
  return { get, set, params };
}

export type Cell = string | number | boolean | null | undefined;

/** RFC 4180: fields quoted when they hold a comma, quote or line break. */
export function toCsv(columns: string[], rows: Cell[][]): string {
  const field = (v: Cell) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

export function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Saves a table as CSV (UTF-8 with a BOM, so Excel reads Chinese text). */
export function downloadCsv(filename: string, columns: string[], rows: Cell[][]) {
  saveBlob(new Blob(['\uFEFF' + toCsv(columns, rows)], { type: 'text/csv;charset=utf-8' }), filename);
}

export function CsvButton({ filename, columns, rows, testId }: { filename: string; columns: string[]; rows: () => Cell[][]; testId?: string }) {
  const { t } = useI18n();
  return (
    <Button size="small" icon={<DownloadOutlined />} data-testid={testId} onClick={() => downloadCsv(filename, columns, rows())}>
      {t('an.exportCsv')}
    </Button>
  );
}

/** GET a file from the API with the admin key and save it; an API error is shown with its code. */
export function useApiDownload() {
  const { key } = useAuth();
  const { message } = App.useApp();
  const { t } = useI18n();
  return useCallback(
    async (url: string, filename: string) => {
      try {
        const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
        if (!res.ok) {
          const d = (await res.json().catch(() => ({}))) as { code?: string; message?: string; field?: string };
          throw new ApiError(res.status, d.code ?? `http.${res.status}`, d.message ?? res.statusText, d.field);
        }
        saveBlob(await res.blob(), filename);
      } catch (e) {
        const x = errorText(e, t);
        message.error(`${x.summary} ${x.message} (${x.code})`);
      }
    },
    [key, message, t],
  );
}

/** Seconds as the largest sensible unit: 45 秒, 12 分钟, 3.5 小时, 2 天. */
export function duration(s: number | null | undefined, t: (k: 'an.unit.s' | 'an.unit.m' | 'an.unit.h' | 'an.unit.d') => string): string {
  if (s === null || s === undefined) return '—';
  if (s < 60) return `${Math.round(s)} ${t('an.unit.s')}`;
  if (s < 3600) return `${+(s / 60).toFixed(1)} ${t('an.unit.m')}`;
  if (s < 86400) return `${+(s / 3600).toFixed(1)} ${t('an.unit.h')}`;
  return `${+(s / 86400).toFixed(1)} ${t('an.unit.d')}`;
}

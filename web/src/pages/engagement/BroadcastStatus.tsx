// What the broadcast pages share: statuses, the status tag, the progress bar and polling while a broadcast is live.
import { useEffect } from 'react';
import { Progress, Tag } from 'antd';
import type { BroadcastProgress } from '../../api/types';
import { useI18n } from '../../i18n';

export const STATUSES = ['draft', 'scheduled', 'running', 'completed', 'cancelled', 'failed'] as const;
const STATUS_COLOR: Record<string, string> = { draft: 'default', scheduled: 'blue', running: 'processing', completed: 'green', cancelled: 'orange', failed: 'red' };
export const LIVE = new Set(['scheduled', 'running']);

/** Reloads every `ms` while `active`. */
export function usePoll(active: boolean, reload: () => void, ms = 2000) {
  useEffect(() => {
    if (!active) return;
    const id = setInterval(reload, ms);
    return () => clearInterval(id);
  }, [active, reload, ms]);
}

export function StatusTag({ status }: { status: string }) {
  const { t } = useI18n();
  return <Tag color={STATUS_COLOR[status]} data-testid="broadcast-status">{t(`broadcasts.status.${status}` as 'broadcasts.status.draft')}</Tag>;
}

export function ProgressBar({ p }: { p?: BroadcastProgress | null }) {
  const { num } = useI18n();
  if (!p || !p.audience) return <>—</>;
  const c = p.counts;
  const done = c.sent + c.failed + c.skipped + c.holdout;
  return (
    <Progress
      size="small"
      percent={Math.round((done / p.audience) * 100)}
      success={{ percent: Math.round((c.sent / p.audience) * 100) }}
      format={() => `${num(c.sent)} / ${num(p.audience ?? 0)}`}
    />
  );
}

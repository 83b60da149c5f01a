// One entry of the Member 360 timeline and the colour of each kind.
import { type ReactNode } from 'react';
import { Space, Tag, Typography } from 'antd';
import type { TimelineItem } from '../../api/types';
import { useI18n } from '../../i18n';
import { formatMetric } from '../../format';
import { useLabel } from './use-label';

/** One timeline entry: kind tag, title and amount, then time and the details of its kind. */
export function TimelineEntry({ i }: { i: TimelineItem }) {
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

export const COLORS: Record<string, string> = { order: 'green', refund: 'red', message: 'purple', points: 'gold', event: 'blue' };

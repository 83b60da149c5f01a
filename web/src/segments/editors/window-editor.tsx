// Editor of the time window of an event, sequence or orders node.
import { Input, InputNumber, Select, Space } from 'antd';
import { useI18n, type MessageKey } from '../../i18n';
import { MAX_DAYS, patched, windowMode, withWindow, type WindowMode } from '../rule-model';

/** The time window of an event, sequence or orders node: all time, the last N days, or between two dates. */
export function WindowEditor<T extends Record<string, unknown>>({ o, onChange }: { o: T; onChange(next: T): void }) {
  const { t } = useI18n();
  const mode = windowMode(o);
  const pair = (Array.isArray(o.between) ? o.between : ['', '']) as string[];
  return (
    <Space size={4} wrap>
      <Select
        style={{ width: 120 }}
        data-testid="window-mode"
        value={mode}
        onChange={(m: WindowMode) => onChange(withWindow(o, m))}
        options={(['days', 'between', 'all'] as const).map((m) => ({ value: m, label: t(`rb.window.${m}` as MessageKey) }))}
      />
      {mode === 'days' && (
        <InputNumber min={1} max={MAX_DAYS} precision={0} style={{ width: 90 }} data-testid="window-days" value={typeof o.within_days === 'number' ? o.within_days : undefined}
          onChange={(n) => onChange(n ? patched(o, { within_days: n }) : withWindow(o, 'all'))} />
      )}
      {mode === 'between' && (
        <Space.Compact>
          {[0, 1].map((i) => (
            <Input key={i} style={{ width: 150 }} data-testid={`window-${i ? 'to' : 'from'}`} placeholder={t(i ? 'rb.to' : 'rb.from')} value={pair[i] ?? ''}
              onChange={(e) => onChange(patched(o, { between: i ? [pair[0] ?? '', e.target.value] : [e.target.value, pair[1] ?? ''] }))} />
          ))}
        </Space.Compact>
      )}
    </Space>
  );
}

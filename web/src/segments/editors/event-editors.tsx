// Editors of behaviour conditions: an event counted in a window, and a sequence of events in order.
import { Button, Input, InputNumber, Select, Space, Tag, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { useI18n } from '../../i18n';
import { MAX_DAYS, patched, type RuleNode } from '../rule-model';
import { FiltersEditor, type Filter } from './filters-editor';
import { countOps, type Change } from './kit';
import { WindowEditor } from './window-editor';

type EventSpec = { name?: string; where?: Filter[]; count?: { op: string; value: number }; within_days?: number; between?: [string, string]; [k: string]: unknown };

export function EventEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t } = useI18n();
  const e = (node.event ?? {}) as EventSpec;
  const set = (patch: Record<string, unknown>) => onChange({ event: patched(e, patch) });
  const count = e.count ?? { op: '>=', value: 1 };
  return (
    <Space direction="vertical" size={4}>
      <Space wrap>
        <Input style={{ width: 200 }} data-testid="event-name" placeholder={t('builder.eventName')} value={e.name ?? ''} onChange={(x) => set({ name: x.target.value })} />
        <Typography.Text type="secondary">{t('builder.count')}</Typography.Text>
        <Space.Compact>
          <Select style={{ width: 70 }} value={count.op} onChange={(op: string) => set({ count: { ...count, op } })} options={countOps} />
          <InputNumber min={0} precision={0} style={{ width: 90 }} data-testid="event-count" value={count.value} onChange={(n) => set({ count: { ...count, value: n ?? 0 } })} />
        </Space.Compact>
        <WindowEditor o={e} onChange={(next) => onChange({ event: next })} />
      </Space>
      <FiltersEditor testid="event-filters" where={e.where} onChange={(where) => set({ where })} />
    </Space>
  );
}

type SequenceSpec = { steps?: Array<{ name: string; where?: Filter[] }>; within_hours?: number; within_days?: number; between?: [string, string]; [k: string]: unknown };

export function SequenceEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t } = useI18n();
  const sq = (node.sequence ?? {}) as SequenceSpec;
  const steps = sq.steps ?? [];
  const set = (patch: Record<string, unknown>) => onChange({ sequence: patched(sq, patch) });
  const setStep = (i: number, s: { name: string; where?: Filter[] }) => set({ steps: steps.map((x, j) => (j === i ? s : x)) });
  return (
    <Space direction="vertical" size={6} data-testid="sequence-editor">
      {steps.map((s, i) => (
        <Space key={i} direction="vertical" size={2} data-testid={`seq-step-${i}`} style={{ borderLeft: '2px solid #91caff', paddingLeft: 8 }}>
          <Space wrap size={4}>
            <Tag>{t('rb.step').replace('{n}', String(i + 1))}</Tag>
            {i > 0 && <Typography.Text type="secondary">{t('rb.then')}</Typography.Text>}
            <Input style={{ width: 200 }} data-testid="event-name" placeholder={t('builder.eventName')} value={s.name ?? ''} onChange={(e) => setStep(i, { ...s, name: e.target.value })} />
            {steps.length > 2 && <Button size="small" type="text" icon={<DeleteOutlined />} aria-label={t('common.remove')} onClick={() => set({ steps: steps.filter((_, j) => j !== i) })} />}
          </Space>
          <FiltersEditor testid={`seq-step-${i}-filters`} where={s.where} onChange={(where) => setStep(i, patched(s, { where }))} />
        </Space>
      ))}
      <Space wrap size={4}>
        {steps.length < 5 && <Button size="small" icon={<PlusOutlined />} data-testid="seq-add-step" onClick={() => set({ steps: [...steps, { name: '' }] })}>{t('rb.addStep')}</Button>}
        <Typography.Text type="secondary">{t('rb.withinHours')}</Typography.Text>
        <InputNumber min={0.1} max={24 * MAX_DAYS} style={{ width: 90 }} data-testid="seq-within-hours" placeholder={t('rb.anyHours')} value={sq.within_hours} onChange={(n) => set({ within_hours: n || undefined })} />
        <Typography.Text type="secondary">{t('rb.hours')}</Typography.Text>
        <WindowEditor o={sq} onChange={(next) => onChange({ sequence: next })} />
      </Space>
    </Space>
  );
}

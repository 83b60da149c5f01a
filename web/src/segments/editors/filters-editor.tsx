// Editor of an event's property filters (`where`), shared by event and sequence steps.
import { Button, Input, Select, Space, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { useI18n } from '../../i18n';
import { PROPERTY_OPS, patched, withOp } from '../rule-model';
import { opLabel } from './kit';
import { ValueInput } from './value-input';

export type Filter = { property: string; op: string; value?: unknown };

/** Event property filters (`where`): all must hold. An emptied list is removed from the rule. */
export function FiltersEditor({ where, onChange, testid }: { where: unknown; onChange(w: Filter[] | undefined): void; testid: string }) {
  const { t } = useI18n();
  const list = (Array.isArray(where) ? where : []) as Filter[];
  const set = (i: number, f: Filter) => onChange(list.map((x, j) => (j === i ? f : x)));
  return (
    <Space direction="vertical" size={4} data-testid={testid}>
      {list.map((f, i) => (
        <Space key={i} wrap size={4} data-testid={`filter-${i}`}>
          <Typography.Text type="secondary">{t(i === 0 ? 'rb.where' : 'rb.andAlso')}</Typography.Text>
          <Input style={{ width: 140 }} data-testid="filter-property" placeholder={t('rb.property')} value={f.property} onChange={(e) => set(i, { ...f, property: e.target.value })} />
          <Select style={{ width: 150 }} data-testid="filter-op" value={f.op} onChange={(o: string) => set(i, withOp(f, o))} options={PROPERTY_OPS.map((o) => ({ value: o, label: opLabel(t, o) }))} />
          <ValueInput type="custom" op={f.op} value={f.value} onChange={(value) => set(i, patched(f, { value }))} />
          <Button size="small" type="text" icon={<DeleteOutlined />} aria-label={t('common.remove')} onClick={() => onChange(list.length > 1 ? list.filter((_, j) => j !== i) : undefined)} />
        </Space>
      ))}
      {list.length < 20 && (
        <Button size="small" type="dashed" icon={<PlusOutlined />} data-testid="add-filter" onClick={() => onChange([...list, { property: '', op: '=', value: '' }])}>
          {t('rb.addFilter')}
        </Button>
      )}
    </Space>
  );
}

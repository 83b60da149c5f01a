// Editor of a CLV condition: a fitted CLV field compared with a number.
import { Select, Space } from 'antd';
import { useI18n, type MessageKey } from '../../i18n';
import { CLV_FIELDS, OPS, patched, withOp, type RuleNode } from '../rule-model';
import { opLabel, type Change } from './kit';
import { ValueInput } from './value-input';

export function ClvEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t } = useI18n();
  const c = (node.clv ?? {}) as { field?: string; op?: string; value?: unknown };
  const op = c.op ?? '<';
  return (
    <Space wrap>
      <Select style={{ width: 190 }} data-testid="clv-field" value={c.field ?? 'p_alive'} onChange={(field: string) => onChange({ clv: { ...c, field } })}
        options={CLV_FIELDS.map((f) => ({ value: f, label: t(`rb.clv.${f}` as MessageKey) }))} />
      <Select style={{ width: 150 }} data-testid="op-picker" value={op} onChange={(o: string) => onChange({ clv: withOp({ ...c, op }, o) })} options={OPS.number.map((o) => ({ value: o, label: opLabel(t, o) }))} />
      <ValueInput type="number" op={op} value={c.value} onChange={(value) => onChange({ clv: patched(c, { value }) })} />
    </Space>
  );
}

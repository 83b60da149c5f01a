// Editor of an attribute or trait comparison: field, operator and value.
import { Input, Select, Space } from 'antd';
import { useI18n, type MessageKey } from '../../i18n';
import { ATTRIBUTE_FIELDS, OPS, TRAIT_FIELDS, fieldType, patched, withOp, type RuleNode } from '../rule-model';
import { opLabel, type Change } from './kit';
import { ValueInput } from './value-input';

export function ComparisonEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t } = useI18n();
  const key = 'trait' in node ? 'trait' : 'attribute';
  const field = String(node[key] ?? '');
  const type = fieldType(node);
  const custom = key === 'attribute' && type === 'custom';
  const op = String(node.op ?? '=');
  const ops = OPS[type];
  const fields = key === 'trait' ? Object.keys(TRAIT_FIELDS) : [...Object.keys(ATTRIBUTE_FIELDS), 'attributes.'];
  const fieldLabel = (f: string) => (f === 'attributes.' ? t('builder.custom') : t((key === 'trait' ? `trait.${f}` : `attr.${f}`) as MessageKey));
  const setField = (f: string) => {
    const next = { ...node, [key]: f };
    const nt = fieldType(next);
    if (!OPS[nt].includes(op)) return onChange(withOp(next, OPS[nt][0]));
    // A value typed for the old field (a date, a number) does not fit a field of another type.
    if (nt === type) return onChange(next);
    const { value: _old, ...rest } = next;
    onChange(withOp(rest, op));
  };
  return (
    <Space wrap>
      <Select
        style={{ width: 170 }}
        data-testid="field-picker"
        value={custom ? 'attributes.' : field}
        onChange={(f: string) => setField(f)}
        options={fields.map((f) => ({ value: f, label: fieldLabel(f) }))}
      />
      {custom && (
        <Input style={{ width: 140 }} placeholder="key" data-testid="custom-key" value={field.slice('attributes.'.length)} onChange={(e) => onChange({ ...node, attribute: 'attributes.' + e.target.value })} />
      )}
      <Select style={{ width: 160 }} data-testid="op-picker" value={op} onChange={(o: string) => onChange(withOp(node, o))} options={ops.map((o) => ({ value: o, label: opLabel(t, o) }))} />
      <ValueInput type={type} op={op} value={node.value} onChange={(value) => onChange(patched(node, { value }))} />
    </Space>
  );
}

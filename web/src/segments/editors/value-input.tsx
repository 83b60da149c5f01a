// The value input of a comparison (attributes, traits, CLV fields, event property filters), shaped by its operator.
import { Input, InputNumber, Select, Space, Typography } from 'antd';
import { useI18n } from '../../i18n';
import { DAY_BOUNDS, DAY_OPS, MAX_DAYS, coerceValue, type FieldType } from '../rule-model';

/** The value input an operator needs: none, a list, a pair, a day count, a number or text. */
export function ValueInput({ type, op, value, onChange }: { type: FieldType; op: string; value: unknown; onChange(v: unknown): void }) {
  const { t } = useI18n();
  const v = value;
  const datey = type === 'date' || type === 'timestamp';
  if (op === 'exists' || op === 'not_exists') return null;
  if (op === 'in' || op === 'not_in')
    return (
      <Select
        mode="tags"
        style={{ minWidth: 200 }}
        data-testid="value-list"
        placeholder={t('builder.values')}
        tokenSeparators={[',', '，']}
        value={(Array.isArray(v) ? v : []).map(String)}
        onChange={(xs: string[]) => onChange(xs.map((x) => coerceValue(type, x)))}
      />
    );
  if (op === 'between')
    return (
      <Space.Compact>
        {[0, 1].map((i) => (
          <Input
            key={i}
            style={{ width: 130 }}
            data-testid={`value-between-${i}`}
            value={String((Array.isArray(v) ? v[i] : '') ?? '')}
            placeholder={datey ? 'YYYY-MM-DD' : ''}
            onChange={(e) => {
              const pair = Array.isArray(v) && v.length === 2 ? [...v] : ['', ''];
              pair[i] = datey ? e.target.value : coerceValue(type, e.target.value);
              onChange(pair);
            }}
          />
        ))}
      </Space.Compact>
    );
  if (DAY_OPS.includes(op)) {
    const [min, max] = DAY_BOUNDS[op] ?? [0, MAX_DAYS];
    return (
      <Space size={4}>
        <InputNumber min={min} max={max} precision={0} style={{ width: 90 }} data-testid="value-days" value={typeof v === 'number' ? v : undefined} onChange={(n) => onChange(n ?? undefined)} />
        <Typography.Text type="secondary">{t('builder.days')}</Typography.Text>
      </Space>
    );
  }
  if (type === 'number')
    return <InputNumber style={{ width: 140 }} data-testid="value-number" value={typeof v === 'number' ? v : undefined} onChange={(n) => onChange(n ?? undefined)} />;
  return (
    <Input
      style={{ width: 160 }}
      data-testid="value-text"
      placeholder={datey ? 'YYYY-MM-DD' : t('builder.value')}
      value={v === undefined ? '' : String(v)}
      onChange={(e) => onChange(datey ? e.target.value : coerceValue(type, e.target.value))}
    />
  );
}

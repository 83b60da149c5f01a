// Editor of an orders condition: a measure compared in a window, narrowed by categories, products and channels.
import { InputNumber, Select, Space } from 'antd';
import { useI18n, type MessageKey } from '../../i18n';
import { patched, type RuleNode } from '../rule-model';
import { useOrderChannels } from './choices';
import { countOps, type Change } from './kit';
import { ListPicker } from './list-picker';
import { WindowEditor } from './window-editor';

export function OrdersEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t } = useI18n();
  const o = (node.orders ?? {}) as { measure?: string; op?: string; value?: number; [k: string]: unknown };
  const set = (patch: Record<string, unknown>) => onChange({ orders: patched(o, patch) });
  const channels = useOrderChannels();
  return (
    <Space direction="vertical" size={4}>
      <Space wrap>
        <Select
          style={{ width: 140 }}
          value={o.measure ?? 'count'}
          onChange={(m: string) => set({ measure: m })}
          options={['count', 'sum', 'avg'].map((m) => ({ value: m, label: t(`builder.measure.${m}` as MessageKey) }))}
        />
        <Select style={{ width: 70 }} value={o.op ?? '>='} onChange={(op: string) => set({ op })} options={countOps} />
        <InputNumber min={0} style={{ width: 110 }} data-testid="orders-value" value={o.value} onChange={(n) => set({ value: n ?? undefined })} />
        <WindowEditor o={o} onChange={(next) => onChange({ orders: next })} />
      </Space>
      <Space wrap>
        <ListPicker testid="orders-categories" value={o.categories} onChange={(categories) => set({ categories })} options={[]} placeholder={t('rb.categories')} width={160} />
        <ListPicker testid="orders-products" value={o.products} onChange={(products) => set({ products })} options={[]} placeholder={t('rb.products')} width={200} />
        <ListPicker testid="orders-channels" value={o.channels} onChange={(chs) => set({ channels: chs })} options={channels} placeholder={t('rb.channels')} width={160} />
      </Space>
    </Space>
  );
}

// Editors of loyalty conditions: points balance, tier, points expiring soon and coupons held.
import { InputNumber, Select, Space, Typography } from 'antd';
import { useI18n } from '../../i18n';
import { MAX_DAYS, patched, type RuleNode } from '../rule-model';
import { useCouponTemplates, useTiers } from './choices';
import { asList, countOps, type Change } from './kit';
import { ListPicker } from './list-picker';

export function PointsBalanceEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t } = useI18n();
  const p = (node.points_balance ?? {}) as { op?: string; value?: number };
  return (
    <Space wrap>
      <Select style={{ width: 70 }} value={p.op ?? '>='} onChange={(op: string) => onChange({ points_balance: { ...p, op } })} options={countOps} />
      <InputNumber min={0} precision={0} style={{ width: 120 }} data-testid="points-value" value={p.value} onChange={(n) => onChange({ points_balance: patched(p, { value: n ?? undefined }) })} />
      <Typography.Text type="secondary">{t('rb.points')}</Typography.Text>
    </Space>
  );
}

export function TierEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t, lang } = useI18n();
  const tiers = useTiers(lang);
  return (
    <Select mode="tags" style={{ minWidth: 240 }} data-testid="tier-picker" placeholder={t('rb.tiers')} value={asList(node.tier)} onChange={(v: string[]) => onChange({ tier: v })} options={tiers} />
  );
}

export function PointsExpiringEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t } = useI18n();
  const p = (node.points_expiring ?? {}) as { within_days?: number; op?: string; value?: number };
  const set = (patch: Record<string, unknown>) => onChange({ points_expiring: patched(p, patch) });
  return (
    <Space wrap size={4}>
      <Typography.Text type="secondary">{t('rb.expiringIn')}</Typography.Text>
      <InputNumber min={1} max={MAX_DAYS} precision={0} style={{ width: 80 }} data-testid="expiring-days" value={p.within_days} onChange={(n) => set({ within_days: n ?? undefined })} />
      <Typography.Text type="secondary">{t('builder.days')}</Typography.Text>
      <Select style={{ width: 70 }} value={p.op ?? '>='} onChange={(op: string) => set({ op })} options={countOps} />
      <InputNumber min={0} precision={0} style={{ width: 110 }} data-testid="points-value" value={p.value} onChange={(n) => set({ value: n ?? undefined })} />
      <Typography.Text type="secondary">{t('rb.points')}</Typography.Text>
    </Space>
  );
}

export function CouponsEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t } = useI18n();
  const c = (node.coupons ?? {}) as { op?: string; value?: number; templates?: string | string[]; expiring_within_days?: number };
  const set = (patch: Record<string, unknown>) => onChange({ coupons: patched(c, patch) });
  const templates = useCouponTemplates();
  return (
    <Space wrap size={4}>
      <Select style={{ width: 70 }} data-testid="coupons-op" value={c.op ?? '>='} onChange={(op: string) => set({ op })} options={countOps} />
      <InputNumber min={0} precision={0} style={{ width: 90 }} data-testid="coupons-value" value={c.value} onChange={(n) => set({ value: n ?? undefined })} />
      <Typography.Text type="secondary">{t('rb.couponCount')}</Typography.Text>
      <ListPicker testid="coupons-templates" value={c.templates} onChange={(v) => set({ templates: v })} options={templates} placeholder={t('rb.templates')} width={240} />
      <Typography.Text type="secondary">{t('rb.expiringWithin')}</Typography.Text>
      <InputNumber min={1} max={MAX_DAYS} precision={0} style={{ width: 80 }} data-testid="coupons-expiring" placeholder={t('rb.anyTime')} value={c.expiring_within_days}
        onChange={(n) => set({ expiring_within_days: n || undefined })} />
    </Space>
  );
}

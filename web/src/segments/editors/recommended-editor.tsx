// Editor of a "likely to buy" condition on the member's stored recommendations.
import { InputNumber, Select, Space, Typography } from 'antd';
import { useI18n } from '../../i18n';
import { patched, type RuleNode } from '../rule-model';
import type { Change } from './kit';
import { ListPicker } from './list-picker';

/** "Likely to buy category X": a category of the member's stored recommendations within the first N. */
export function RecommendedEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t } = useI18n();
  const r = (node.recommended ?? {}) as { category?: string | string[]; rank_at_most?: number; algorithm?: string };
  const set = (patch: Record<string, unknown>) => onChange({ recommended: patched(r, patch) });
  return (
    <Space wrap size={4}>
      <Typography.Text type="secondary">{t('rb.recommendedCategory')}</Typography.Text>
      <ListPicker testid="recommended-category" value={r.category} onChange={(v) => set({ category: v })} options={[]} placeholder={t('rb.recommendedCategory')} width={220} />
      <Typography.Text type="secondary">{t('rb.recommendedRank')}</Typography.Text>
      <InputNumber min={1} max={200} precision={0} style={{ width: 80 }} data-testid="recommended-rank" value={r.rank_at_most ?? 10} onChange={(n) => set({ rank_at_most: n ?? undefined })} />
      <Select style={{ width: 110 }} data-testid="recommended-algorithm" value={r.algorithm ?? 'als'} onChange={(algorithm: string) => set({ algorithm })}
        options={[{ value: 'als', label: 'ALS' }, { value: 'item_cf', label: 'Item-CF' }]} />
    </Space>
  );
}

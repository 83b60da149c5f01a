// The editor of one condition, chosen by its kind; list choices (tags, segments, RFM, stages, tiers, identities) inline.
import { Select } from 'antd';
import { useI18n } from '../../i18n';
import { IDENTITY_TYPES, LIFECYCLE_STAGES, RFM_NAMES, RFM_SEGMENTS, VALUE_TIERS, kindOf, type RuleNode } from '../rule-model';
import { ClvEditor } from './clv-editor';
import { ComparisonEditor } from './comparison-editor';
import { EventEditor, SequenceEditor } from './event-editors';
import { InGroupEditor } from './in-group-editor';
import { JsonEditor } from './json-editor';
import type { BuilderContext, Change } from './kit';
import { CouponsEditor, PointsBalanceEditor, PointsExpiringEditor, TierEditor } from './loyalty-editors';
import { OrdersEditor } from './orders-editor';
import { RecommendedEditor } from './recommended-editor';

export function LeafEditor({ node, onChange, ctx }: { node: RuleNode; onChange: Change; ctx: BuilderContext }) {
  const { t, lang } = useI18n();
  const kind = kindOf(node);
  const named = (m: Record<string, [string, string]>) => Object.entries(m).map(([value, [zh, en]]) => ({ value, label: lang === 'zh' ? zh : en }));
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v ? [String(v)] : []);
  switch (kind) {
    case 'attribute':
    case 'trait':
      return <ComparisonEditor node={node} onChange={onChange} />;
    case 'has_tag':
    case 'lacks_tag':
      return (
        <Select
          mode="multiple"
          style={{ minWidth: 240 }}
          data-testid="tag-picker"
          placeholder={t('builder.pick')}
          value={list(node[kind])}
          onChange={(v: string[]) => onChange({ [kind]: v })}
          options={ctx.tags.map((x) => ({ value: x, label: x }))}
        />
      );
    case 'in_segment':
    case 'not_in_segment':
      return (
        <Select
          style={{ minWidth: 220 }}
          placeholder={t('builder.pick')}
          value={(node[kind] as string) || undefined}
          onChange={(v: string) => onChange({ [kind]: v })}
          options={ctx.segments.filter((s) => s.id !== ctx.selfId).map((s) => ({ value: s.id, label: s.name }))}
        />
      );
    case 'rfm_segment':
      return (
        <Select mode="multiple" style={{ minWidth: 280 }} value={list(node.rfm_segment)} onChange={(v: string[]) => onChange({ rfm_segment: v })}
          options={RFM_SEGMENTS.map((s) => ({ value: s, label: lang === 'zh' ? RFM_NAMES[s][0] : RFM_NAMES[s][1] }))} />
      );
    case 'lifecycle_stage':
      return <Select mode="multiple" style={{ minWidth: 240 }} value={list(node.lifecycle_stage)} onChange={(v: string[]) => onChange({ lifecycle_stage: v })} options={named(LIFECYCLE_STAGES)} />;
    case 'value_tier':
      return <Select mode="multiple" style={{ minWidth: 240 }} value={list(node.value_tier)} onChange={(v: string[]) => onChange({ value_tier: v })} options={named(VALUE_TIERS)} />;
    case 'has_identity':
      return <Select style={{ minWidth: 200 }} value={String(node.has_identity)} onChange={(v: string) => onChange({ has_identity: v })} options={IDENTITY_TYPES.map((x) => ({ value: x, label: x }))} />;
    case 'event':
      return <EventEditor node={node} onChange={onChange} />;
    case 'sequence':
      return <SequenceEditor node={node} onChange={onChange} />;
    case 'orders':
      return <OrdersEditor node={node} onChange={onChange} />;
    case 'clv':
      return <ClvEditor node={node} onChange={onChange} />;
    case 'points_balance':
      return <PointsBalanceEditor node={node} onChange={onChange} />;
    case 'tier':
      return <TierEditor node={node} onChange={onChange} />;
    case 'points_expiring':
      return <PointsExpiringEditor node={node} onChange={onChange} />;
    case 'coupons':
      return <CouponsEditor node={node} onChange={onChange} />;
    case 'in_group':
      return <InGroupEditor node={node} onChange={onChange} />;
    case 'recommended':
      return <RecommendedEditor node={node} onChange={onChange} />;
    default:
      return <JsonEditor node={node} onChange={onChange} />;
  }
}

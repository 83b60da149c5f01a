// Editor of a customer-group membership condition: picked groups or group attributes.
import { AutoComplete, Select, Space, Tooltip, Typography } from 'antd';
import { useI18n } from '../../i18n';
import { patched, type RuleNode } from '../rule-model';
import { useGroups } from './choices';
import { asList, type Change } from './kit';

const GROUP_TEXT_KEYS = [
  ['positioning', 'rb.positioning'],
  ['value_tier', 'rb.groupValueTier'],
  ['tag', 'rb.groupTag'],
  ['owner', 'rb.owner'],
] as const;

export function InGroupEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t } = useI18n();
  const g = (node.in_group ?? {}) as Record<string, unknown>;
  const set = (patch: Record<string, unknown>) => onChange({ in_group: patched(g, patch) });
  const groups = useGroups();
  const distinct = (xs: Array<string | null | undefined>) => [...new Set(xs.filter((x): x is string => !!x))].map((x) => ({ value: x }));
  const suggestions: Record<string, Array<{ value: string }>> = {
    positioning: distinct(groups.map((x) => x.positioning)),
    value_tier: distinct(groups.map((x) => x.value_tier)),
    tag: distinct(groups.flatMap((x) => x.tags ?? [])),
    owner: distinct(groups.map((x) => x.owner_userid)),
  };
  return (
    <Space wrap size={4}>
      <Select
        mode="tags"
        style={{ minWidth: 220 }}
        data-testid="group-picker"
        placeholder={t('rb.groups')}
        value={asList(g.groups)}
        onChange={(v: string[]) => set({ groups: v.length ? v : undefined })}
        options={groups.map((x) => ({ value: x.id, label: x.name || x.chat_id }))}
        optionFilterProp="label"
      />
      {GROUP_TEXT_KEYS.map(([k, label]) => (
        <AutoComplete
          key={k}
          style={{ width: 130 }}
          data-testid={`group-${k}`}
          placeholder={t(label)}
          value={typeof g[k] === 'string' ? (g[k] as string) : ''}
          options={suggestions[k]}
          onChange={(v: string) => set({ [k]: v.trim() ? v : undefined })}
        />
      ))}
      <Tooltip title={t('rb.anyGroup')}><Typography.Text type="secondary">?</Typography.Text></Tooltip>
    </Space>
  );
}

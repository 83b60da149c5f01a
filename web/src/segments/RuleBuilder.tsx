// Visual editor of a segment rule: AND/OR groups (nested), NOT on any node, and an editor per condition kind.
// Kinds without their own form yet (sequence, clv, points, coupons…) stay editable as JSON.
import { useEffect, useState } from 'react';
import { Button, Card, Dropdown, Input, InputNumber, Segmented, Select, Space, Tag, Tooltip, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined, StopOutlined } from '@ant-design/icons';
import { useI18n, type MessageKey } from '../i18n';
import {
  ATTRIBUTE_FIELDS, COUNT_OPS, IDENTITY_TYPES, LEAF_KINDS, LIFECYCLE_STAGES, OPS, RFM_NAMES, RFM_SEGMENTS, TRAIT_FIELDS, VALUE_TIERS,
  coerce, defaultNode, fieldType, isGroup, kindOf, withOp, type LeafKind, type RuleNode,
} from './rule-model';

export interface BuilderContext {
  tags: string[];
  segments: Array<{ id: string; name: string }>;
  /** The segment being edited (cannot refer to itself). */
  selfId?: string;
}

type Change = (n: RuleNode) => void;

export function RuleBuilder({ value, onChange, ctx }: { value: RuleNode; onChange: Change; ctx: BuilderContext }) {
  return <NodeEditor node={value} onChange={onChange} ctx={ctx} depth={0} />;
}

function NodeEditor({ node, onChange, onRemove, ctx, depth }: { node: RuleNode; onChange: Change; onRemove?: () => void; ctx: BuilderContext; depth: number }) {
  const { t } = useI18n();
  const kind = kindOf(node);
  if (kind === 'not') {
    const inner = node.not as RuleNode;
    return (
      <div style={{ borderLeft: '3px solid #cf1322', paddingLeft: 8 }} data-testid="rule-not">
        <Space style={{ marginBottom: 4 }}>
          <Tag color="red">{t('builder.not')}</Tag>
          <Button size="small" type="link" onClick={() => onChange(inner)}>{t('builder.negate')} ✕</Button>
        </Space>
        <NodeEditor node={inner} onChange={(n) => onChange({ not: n })} onRemove={onRemove} ctx={ctx} depth={depth} />
      </div>
    );
  }
  if (isGroup(node)) return <GroupEditor node={node} onChange={onChange} onRemove={onRemove} ctx={ctx} depth={depth} />;
  return (
    <Card size="small" styles={{ body: { padding: 8 } }} data-testid={`rule-${kind}`}>
      <Space wrap align="center">
        <Tag color="geekblue">{LEAF_KINDS.includes(kind as LeafKind) ? t(`node.${kind}` as MessageKey) : kind}</Tag>
        <LeafEditor node={node} onChange={onChange} ctx={ctx} />
        <Tooltip title={t('builder.negate')}><Button size="small" icon={<StopOutlined />} onClick={() => onChange({ not: node })} /></Tooltip>
        {onRemove && <Button size="small" danger icon={<DeleteOutlined />} onClick={onRemove} aria-label={t('common.remove')} />}
      </Space>
    </Card>
  );
}

function GroupEditor({ node, onChange, onRemove, ctx, depth }: { node: RuleNode; onChange: Change; onRemove?: () => void; ctx: BuilderContext; depth: number }) {
  const { t } = useI18n();
  const op = kindOf(node) as 'and' | 'or';
  const children = (node[op] as RuleNode[]) ?? [];
  const setChildren = (c: RuleNode[]) => onChange({ [op]: c });
  const add = (n: RuleNode) => setChildren([...children, n]);
  return (
    <div
      data-testid={depth === 0 ? 'rule-root' : 'rule-group'}
      style={{ border: '1px dashed #b7c9c1', borderRadius: 8, padding: 10, background: depth % 2 ? '#fff' : '#f7faf9' }}
    >
      <Space style={{ marginBottom: 8 }} wrap>
        <Segmented
          size="small"
          value={op}
          onChange={(v) => onChange({ [v as string]: children })}
          options={[{ value: 'and', label: t('builder.and') }, { value: 'or', label: t('builder.or') }]}
        />
        <Dropdown
          trigger={['click']}
          menu={{
            items: LEAF_KINDS.map((k) => ({ key: k, label: t(`node.${k}` as MessageKey), 'data-testid': `add-${k}` })),
            onClick: (e) => add(defaultNode(e.key as LeafKind)),
          }}
        >
          <Button size="small" icon={<PlusOutlined />} data-testid="add-condition">{t('builder.addCondition')}</Button>
        </Dropdown>
        {depth < 5 && <Button size="small" icon={<PlusOutlined />} onClick={() => add({ and: [] })}>{t('builder.addGroup')}</Button>}
        {depth > 0 && <Tooltip title={t('builder.negate')}><Button size="small" icon={<StopOutlined />} onClick={() => onChange({ not: node })} /></Tooltip>}
        {onRemove && <Button size="small" danger icon={<DeleteOutlined />} onClick={onRemove} aria-label={t('common.remove')} />}
      </Space>
      <Space direction="vertical" style={{ width: '100%' }}>
        {children.length === 0 && <Typography.Text type="secondary">{t('builder.empty')}</Typography.Text>}
        {children.map((c, i) => (
          <NodeEditor
            key={i}
            node={c}
            depth={depth + 1}
            ctx={ctx}
            onChange={(n) => setChildren(children.map((x, j) => (j === i ? n : x)))}
            onRemove={() => setChildren(children.filter((_, j) => j !== i))}
          />
        ))}
      </Space>
    </div>
  );
}

function LeafEditor({ node, onChange, ctx }: { node: RuleNode; onChange: Change; ctx: BuilderContext }) {
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
    case 'orders':
      return <OrdersEditor node={node} onChange={onChange} />;
    default:
      return <JsonEditor node={node} onChange={onChange} />;
  }
}

function ComparisonEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t } = useI18n();
  const key = 'trait' in node ? 'trait' : 'attribute';
  const field = String(node[key] ?? '');
  const type = fieldType(node);
  const custom = key === 'attribute' && type === 'custom';
  const op = String(node.op ?? '=');
  const ops = OPS[type];
  const fields = key === 'trait' ? Object.keys(TRAIT_FIELDS) : [...Object.keys(ATTRIBUTE_FIELDS), 'attributes.'];
  const fieldLabel = (f: string) => (f === 'attributes.' ? t('builder.custom') : t((key === 'trait' ? `trait.${f}` : `attr.${f}`) as MessageKey));
  const opLabel = (o: string) => (/^[=!<>]/.test(o) ? o : t(`op.${o}` as MessageKey));
  const setField = (f: string) => {
    const next = { ...node, [key]: f };
    const nt = fieldType(next);
    onChange(OPS[nt].includes(op) ? next : withOp(next, OPS[nt][0]));
  };
  const v = node.value;
  return (
    <Space wrap>
      <Select
        style={{ width: 170 }}
        data-testid="field-picker"
        value={custom ? 'attributes.' : field}
        onChange={(f: string) => setField(f === 'attributes.' ? 'attributes.' : f)}
        options={fields.map((f) => ({ value: f, label: fieldLabel(f) }))}
      />
      {custom && (
        <Input style={{ width: 140 }} placeholder="key" value={field.slice('attributes.'.length)} onChange={(e) => onChange({ ...node, attribute: 'attributes.' + e.target.value })} />
      )}
      <Select style={{ width: 150 }} value={op} onChange={(o: string) => onChange(withOp(node, o))} options={ops.map((o) => ({ value: o, label: opLabel(o) }))} />
      {op === 'exists' || op === 'not_exists' ? null : op === 'in' || op === 'not_in' ? (
        <Select
          mode="tags"
          style={{ minWidth: 200 }}
          placeholder={t('builder.values')}
          tokenSeparators={[',', '，']}
          value={(Array.isArray(v) ? v : []).map(String)}
          onChange={(xs: string[]) => onChange({ ...node, value: xs.map((x) => coerce(type, x)) })}
        />
      ) : op === 'between' ? (
        <Space.Compact>
          {[0, 1].map((i) => (
            <Input
              key={i}
              style={{ width: 120 }}
              value={String((Array.isArray(v) ? v[i] : '') ?? '')}
              placeholder={type === 'date' || type === 'timestamp' ? 'YYYY-MM-DD' : ''}
              onChange={(e) => {
                const pair = Array.isArray(v) ? [...v] : ['', ''];
                pair[i] = coerce(type, e.target.value);
                onChange({ ...node, value: pair });
              }}
            />
          ))}
        </Space.Compact>
      ) : op.includes('days') || op === 'more_than_days_ago' ? (
        <Space size={4}>
          <InputNumber min={0} style={{ width: 90 }} value={typeof v === 'number' ? v : undefined} onChange={(n) => onChange({ ...node, value: n ?? 0 })} />
          <Typography.Text type="secondary">{t('builder.days')}</Typography.Text>
        </Space>
      ) : type === 'number' ? (
        <InputNumber style={{ width: 140 }} data-testid="value-number" value={typeof v === 'number' ? v : undefined} onChange={(n) => onChange({ ...node, value: n ?? 0 })} />
      ) : (
        <Input
          style={{ width: 160 }}
          data-testid="value-text"
          placeholder={type === 'date' || type === 'timestamp' ? 'YYYY-MM-DD' : t('builder.value')}
          value={v === undefined ? '' : String(v)}
          onChange={(e) => onChange({ ...node, value: coerce(type, e.target.value) })}
        />
      )}
    </Space>
  );
}

function WindowInput({ days, onChange }: { days: number | undefined; onChange(d: number | undefined): void }) {
  const { t } = useI18n();
  return (
    <Space size={4}>
      <Typography.Text type="secondary">{t('builder.withinDays')}</Typography.Text>
      <InputNumber min={1} style={{ width: 100 }} placeholder={t('builder.allTime')} value={days} onChange={(n) => onChange(n ?? undefined)} />
    </Space>
  );
}

function EventEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t } = useI18n();
  const e = (node.event ?? {}) as { name?: string; count?: { op: string; value: number }; within_days?: number; [k: string]: unknown };
  const set = (patch: Record<string, unknown>) => {
    const next: Record<string, unknown> = { ...e, ...patch };
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    onChange({ event: next });
  };
  const count = e.count ?? { op: '>=', value: 1 };
  return (
    <Space wrap>
      <Input style={{ width: 200 }} data-testid="event-name" placeholder={t('builder.eventName')} value={e.name ?? ''} onChange={(x) => set({ name: x.target.value })} />
      <Typography.Text type="secondary">{t('builder.count')}</Typography.Text>
      <Space.Compact>
        <Select style={{ width: 70 }} value={count.op} onChange={(op: string) => set({ count: { ...count, op } })} options={COUNT_OPS.map((o) => ({ value: o, label: o }))} />
        <InputNumber min={0} style={{ width: 90 }} value={count.value} onChange={(n) => set({ count: { ...count, value: n ?? 0 } })} />
      </Space.Compact>
      <WindowInput days={e.within_days} onChange={(d) => set({ within_days: d, between: d ? undefined : e.between })} />
    </Space>
  );
}

function OrdersEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t } = useI18n();
  const o = (node.orders ?? {}) as { measure?: string; op?: string; value?: number; within_days?: number; [k: string]: unknown };
  const set = (patch: Record<string, unknown>) => {
    const next: Record<string, unknown> = { ...o, ...patch };
    for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
    onChange({ orders: next });
  };
  return (
    <Space wrap>
      <Select
        style={{ width: 140 }}
        value={o.measure ?? 'count'}
        onChange={(m: string) => set({ measure: m })}
        options={['count', 'sum', 'avg'].map((m) => ({ value: m, label: t(`builder.measure.${m}` as MessageKey) }))}
      />
      <Select style={{ width: 70 }} value={o.op ?? '>='} onChange={(op: string) => set({ op })} options={COUNT_OPS.map((x) => ({ value: x, label: x }))} />
      <InputNumber min={0} style={{ width: 110 }} data-testid="orders-value" value={o.value} onChange={(n) => set({ value: n ?? 0 })} />
      <WindowInput days={o.within_days} onChange={(d) => set({ within_days: d, between: d ? undefined : o.between })} />
    </Space>
  );
}

function JsonEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const [text, setText] = useState(JSON.stringify(node));
  const [bad, setBad] = useState(false);
  useEffect(() => setText(JSON.stringify(node)), [node]);
  return (
    <Input.TextArea
      autoSize
      style={{ minWidth: 360, fontFamily: 'monospace' }}
      status={bad ? 'error' : undefined}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        try {
          const v = JSON.parse(e.target.value);
          setBad(false);
          if (v && typeof v === 'object' && !Array.isArray(v)) onChange(v);
        } catch {
          setBad(true);
        }
      }}
    />
  );
}

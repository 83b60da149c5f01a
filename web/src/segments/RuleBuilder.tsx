// Visual editor of a segment rule: AND/OR groups (nested), NOT on any node, and an editor per condition kind —
// every kind of docs/segment-rules.md has one; a node the builder does not know (a newer server) stays editable as
// JSON. Editors change only the keys they are told to, so a rule loaded from the API saves back as it was.
import { useEffect, useState } from 'react';
import { AutoComplete, Button, Card, Dropdown, Input, InputNumber, Segmented, Select, Space, Tag, Tooltip, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined, StopOutlined } from '@ant-design/icons';
import { api } from '../api/client';
import type { CommunityGroup } from '../api/types';
import { useI18n, type MessageKey } from '../i18n';
import {
  ATTRIBUTE_FIELDS, CLV_FIELDS, COUNT_OPS, DAY_BOUNDS, DAY_OPS, IDENTITY_TYPES, LEAF_KINDS, LIFECYCLE_STAGES, MAX_DAYS, OPS, PROPERTY_OPS, RFM_NAMES,
  RFM_SEGMENTS, TRAIT_FIELDS, VALUE_TIERS, coerceValue, defaultNode, fieldType, isGroup, kindOf, patched, windowMode, withOp, withWindow,
  type FieldType, type LeafKind, type RuleNode, type WindowMode,
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

// ---- choices from the API (tiers, coupon templates, customer groups, order channels), cached briefly per page ----

const CHOICES_TTL_MS = 30_000;
const choiceCache = new Map<string, { at: number; p: Promise<unknown> }>();

/** A list the API holds, loaded when an editor needing it mounts; `[]` while loading or when the API refuses. */
function useChoices<T>(key: string, load: () => Promise<T[]>): T[] {
  const [v, setV] = useState<T[]>([]);
  useEffect(() => {
    let live = true;
    let c = choiceCache.get(key);
    if (!c || Date.now() - c.at > CHOICES_TTL_MS) {
      c = { at: Date.now(), p: load().catch(() => []) };
      choiceCache.set(key, c);
    }
    void c.p.then((x) => live && setV(x as T[]));
    return () => {
      live = false;
    };
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps
  return v;
}

type Option = { value: string; label: string };
const useTiers = (lang: string): Option[] =>
  useChoices<{ code: string; name: string | { zh?: string; en?: string } }>('tiers', () => api('get', '/api/loyalty/tiers').then((r) => r.data)).map((x) => {
    const name = typeof x.name === 'string' ? x.name : (lang === 'zh' ? x.name.zh : x.name.en) ?? x.name.zh ?? x.name.en ?? x.code;
    return { value: x.code, label: name === x.code ? x.code : `${name} (${x.code})` };
  });
const useCouponTemplates = (): Option[] =>
  useChoices<{ name: string }>('coupon-templates', () => api('get', '/api/coupons/templates').then((r) => r.data)).map((x) => ({ value: x.name, label: x.name }));
const useGroups = (): CommunityGroup[] => useChoices<CommunityGroup>('groups', () => api('get', '/api/community/groups').then((r) => r.data));
const useOrderChannels = (): Option[] =>
  useChoices<string>('order-channels', () =>
    api('get', '/api/analytics/channels', { query: { period: 'year' } }).then((r) => r.by_order_channel.map((c) => c.channel).filter((c): c is string => !!c)),
  ).map((c) => ({ value: c, label: c }));

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined || v === null || v === '' ? [] : [String(v)]);
const countOps = COUNT_OPS.map((o) => ({ value: o, label: o }));

// ---- comparisons: op + value of attributes, traits, CLV fields and event property filters ----

function opLabel(t: (k: MessageKey) => string, o: string) {
  return /^[=!<>]/.test(o) ? o : t(`op.${o}` as MessageKey);
}

/** The value input an operator needs: none, a list, a pair, a day count, a number or text. */
function ValueInput({ type, op, value, onChange }: { type: FieldType; op: string; value: unknown; onChange(v: unknown): void }) {
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

type Filter = { property: string; op: string; value?: unknown };

/** Event property filters (`where`): all must hold. An emptied list is removed from the rule. */
function FiltersEditor({ where, onChange, testid }: { where: unknown; onChange(w: Filter[] | undefined): void; testid: string }) {
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

/** The time window of an event, sequence or orders node: all time, the last N days, or between two dates. */
function WindowEditor<T extends Record<string, unknown>>({ o, onChange }: { o: T; onChange(next: T): void }) {
  const { t } = useI18n();
  const mode = windowMode(o);
  const pair = (Array.isArray(o.between) ? o.between : ['', '']) as string[];
  return (
    <Space size={4} wrap>
      <Select
        style={{ width: 120 }}
        data-testid="window-mode"
        value={mode}
        onChange={(m: WindowMode) => onChange(withWindow(o, m))}
        options={(['days', 'between', 'all'] as const).map((m) => ({ value: m, label: t(`rb.window.${m}` as MessageKey) }))}
      />
      {mode === 'days' && (
        <InputNumber min={1} max={MAX_DAYS} precision={0} style={{ width: 90 }} data-testid="window-days" value={typeof o.within_days === 'number' ? o.within_days : undefined}
          onChange={(n) => onChange(n ? patched(o, { within_days: n }) : withWindow(o, 'all'))} />
      )}
      {mode === 'between' && (
        <Space.Compact>
          {[0, 1].map((i) => (
            <Input key={i} style={{ width: 150 }} data-testid={`window-${i ? 'to' : 'from'}`} placeholder={t(i ? 'rb.to' : 'rb.from')} value={pair[i] ?? ''}
              onChange={(e) => onChange(patched(o, { between: i ? [pair[0] ?? '', e.target.value] : [e.target.value, pair[1] ?? ''] }))} />
          ))}
        </Space.Compact>
      )}
    </Space>
  );
}

type EventSpec = { name?: string; where?: Filter[]; count?: { op: string; value: number }; within_days?: number; between?: [string, string]; [k: string]: unknown };

function EventEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t } = useI18n();
  const e = (node.event ?? {}) as EventSpec;
  const set = (patch: Record<string, unknown>) => onChange({ event: patched(e, patch) });
  const count = e.count ?? { op: '>=', value: 1 };
  return (
    <Space direction="vertical" size={4}>
      <Space wrap>
        <Input style={{ width: 200 }} data-testid="event-name" placeholder={t('builder.eventName')} value={e.name ?? ''} onChange={(x) => set({ name: x.target.value })} />
        <Typography.Text type="secondary">{t('builder.count')}</Typography.Text>
        <Space.Compact>
          <Select style={{ width: 70 }} value={count.op} onChange={(op: string) => set({ count: { ...count, op } })} options={countOps} />
          <InputNumber min={0} precision={0} style={{ width: 90 }} data-testid="event-count" value={count.value} onChange={(n) => set({ count: { ...count, value: n ?? 0 } })} />
        </Space.Compact>
        <WindowEditor o={e} onChange={(next) => onChange({ event: next })} />
      </Space>
      <FiltersEditor testid="event-filters" where={e.where} onChange={(where) => set({ where })} />
    </Space>
  );
}

type SequenceSpec = { steps?: Array<{ name: string; where?: Filter[] }>; within_hours?: number; within_days?: number; between?: [string, string]; [k: string]: unknown };

function SequenceEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t } = useI18n();
  const sq = (node.sequence ?? {}) as SequenceSpec;
  const steps = sq.steps ?? [];
  const set = (patch: Record<string, unknown>) => onChange({ sequence: patched(sq, patch) });
  const setStep = (i: number, s: { name: string; where?: Filter[] }) => set({ steps: steps.map((x, j) => (j === i ? s : x)) });
  return (
    <Space direction="vertical" size={6} data-testid="sequence-editor">
      {steps.map((s, i) => (
        <Space key={i} direction="vertical" size={2} data-testid={`seq-step-${i}`} style={{ borderLeft: '2px solid #91caff', paddingLeft: 8 }}>
          <Space wrap size={4}>
            <Tag>{t('rb.step').replace('{n}', String(i + 1))}</Tag>
            {i > 0 && <Typography.Text type="secondary">{t('rb.then')}</Typography.Text>}
            <Input style={{ width: 200 }} data-testid="event-name" placeholder={t('builder.eventName')} value={s.name ?? ''} onChange={(e) => setStep(i, { ...s, name: e.target.value })} />
            {steps.length > 2 && <Button size="small" type="text" icon={<DeleteOutlined />} aria-label={t('common.remove')} onClick={() => set({ steps: steps.filter((_, j) => j !== i) })} />}
          </Space>
          <FiltersEditor testid={`seq-step-${i}-filters`} where={s.where} onChange={(where) => setStep(i, patched(s, { where }))} />
        </Space>
      ))}
      <Space wrap size={4}>
        {steps.length < 5 && <Button size="small" icon={<PlusOutlined />} data-testid="seq-add-step" onClick={() => set({ steps: [...steps, { name: '' }] })}>{t('rb.addStep')}</Button>}
        <Typography.Text type="secondary">{t('rb.withinHours')}</Typography.Text>
        <InputNumber min={0.1} max={24 * MAX_DAYS} style={{ width: 90 }} data-testid="seq-within-hours" placeholder={t('rb.anyHours')} value={sq.within_hours} onChange={(n) => set({ within_hours: n || undefined })} />
        <Typography.Text type="secondary">{t('rb.hours')}</Typography.Text>
        <WindowEditor o={sq} onChange={(next) => onChange({ sequence: next })} />
      </Space>
    </Space>
  );
}

/** A list of free values with suggestions (categories, products, channels, templates): `undefined` when emptied. */
function ListPicker({ value, onChange, options, placeholder, testid, width = 220 }: { value: unknown; onChange(v: string[] | undefined): void; options: Option[]; placeholder: string; testid: string; width?: number }) {
  return (
    <Select
      mode="tags"
      style={{ minWidth: width }}
      data-testid={testid}
      placeholder={placeholder}
      tokenSeparators={[',', '，']}
      value={asList(value)}
      onChange={(xs: string[]) => onChange(xs.length ? xs : undefined)}
      options={options}
    />
  );
}

function OrdersEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
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

function ClvEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
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

function PointsBalanceEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
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

function TierEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
  const { t, lang } = useI18n();
  const tiers = useTiers(lang);
  return (
    <Select mode="tags" style={{ minWidth: 240 }} data-testid="tier-picker" placeholder={t('rb.tiers')} value={asList(node.tier)} onChange={(v: string[]) => onChange({ tier: v })} options={tiers} />
  );
}

function PointsExpiringEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
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

function CouponsEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
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

/** "Likely to buy category X": a category of the member's stored recommendations within the first N. */
function RecommendedEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
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

const GROUP_TEXT_KEYS = [
  ['positioning', 'rb.positioning'],
  ['value_tier', 'rb.groupValueTier'],
  ['tag', 'rb.groupTag'],
  ['owner', 'rb.owner'],
] as const;

function InGroupEditor({ node, onChange }: { node: RuleNode; onChange: Change }) {
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

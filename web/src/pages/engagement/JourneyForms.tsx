// The side panel of the journey editor: the trigger, re-entry, goal and holdout of the journey, and one form per step
// type. Edits apply to the definition at once (the canvas follows); the server checks it on save and publish, and its
// error shows at the field it names.
import { useState } from 'react';
import { Alert, Button, Divider, Form, Input, InputNumber, Popconfirm, Radio, Select, Space, Switch, Typography } from 'antd';
import { DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { RuleBuilder, type BuilderContext } from '../../segments/RuleBuilder';
import { asRootGroup, type RuleNode } from '../../segments/rule-model';
import {
  exitsOf, FILTER_OPS, filterValue, STEP_ID_PATTERN, TRIGGER_TYPES, type Filter, type JourneyDef, type Step, type Trigger, type TriggerType,
} from './journey-model';
import { useJt, type JKey } from './journey-strings';

export interface Refs {
  channels: Array<{ id: string; name: string; type: string }>;
  templates: Array<{ id: string; name: string; channels: string[] }>;
  coupons: Array<{ id: string; name: string }>;
  segments: Array<{ id: string; name: string }>;
  tags: string[];
}

/** The server's error for this node: a banner, and `status` for the field it names. */
export interface NodeError { message: string; code: string; field: string }

const mono = { fontFamily: 'ui-monospace, Menlo, monospace' };

function FieldItem({ label, name, error, children, extra }: { label: string; name: string; error?: NodeError; children: React.ReactNode; extra?: React.ReactNode }) {
  const hit = error && (error.field === name || error.field.startsWith(`${name}.`) || error.field.startsWith(`${name}[`));
  return (
    <Form.Item label={label} validateStatus={hit ? 'error' : undefined} help={hit ? error!.message : undefined} extra={extra} style={{ marginBottom: 12 }}>
      {children}
    </Form.Item>
  );
}

function FiltersEditor({ value, onChange, testId }: { value: Filter[]; onChange(v: Filter[]): void; testId: string }) {
  const jt = useJt();
  const set = (i: number, f: Filter) => onChange(value.map((x, j) => (j === i ? f : x)));
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid={testId}>
      {value.map((f, i) => (
        <Space.Compact key={i} style={{ width: '100%' }}>
          <Input placeholder={jt('property')} value={f.property} onChange={(e) => set(i, { ...f, property: e.target.value })} style={{ width: '38%' }} />
          <Select value={f.op} style={{ width: '24%' }} options={FILTER_OPS.map((o) => ({ value: o, label: o }))} onChange={(op) => set(i, { property: f.property, op, ...(filterValue(op, String(f.value ?? '')) !== undefined ? { value: filterValue(op, String(f.value ?? '')) } : {}) })} />
          <Input
            placeholder={jt('value')}
            disabled={f.op === 'exists' || f.op === 'missing'}
            defaultValue={Array.isArray(f.value) ? f.value.join(',') : f.value === undefined ? '' : String(f.value)}
            onBlur={(e) => { const v = filterValue(f.op, e.target.value); set(i, { property: f.property, op: f.op, ...(v !== undefined ? { value: v } : {}) }); }}
            style={{ width: '30%' }}
          />
          <Button icon={<DeleteOutlined />} onClick={() => onChange(value.filter((_, j) => j !== i))} aria-label="remove" />
        </Space.Compact>
      ))}
      <Button size="small" icon={<PlusOutlined />} onClick={() => onChange([...value, { property: '', op: 'exists' }])}>{jt('addFilter')}</Button>
    </Space>
  );
}

const TRIGGER_DEFAULTS: Record<TriggerType, Trigger> = {
  event: { type: 'event', event: '', where: [] },
  segment: { type: 'segment', segment: '', on: 'entry' },
  date: { type: 'date', field: 'birthday', days_before: 0, at: '09:00' },
  schedule: { type: 'schedule', cron: '0 10 * * *', segment: '' },
  order: { type: 'order' },
};

const omitEmpty = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)));

/** Trigger, re-entry, goal and holdout. */
export function JourneySettings({ def, onChange, refs, ctx, error }: { def: JourneyDef; onChange(d: JourneyDef): void; refs: Refs; ctx: BuilderContext; error?: NodeError }) {
  const jt = useJt();
  const tr = def.trigger as Record<string, unknown>;
  const setTrigger = (patch: Record<string, unknown>) => onChange({ ...def, trigger: omitEmpty({ ...tr, ...patch }) as Trigger });
  const segOptions = refs.segments.map((s) => ({ value: s.name, label: s.name }));
  const goal = def.goal;
  const goalKind = !goal ? 'none' : 'event' in goal ? 'event' : 'order' in goal ? 'order' : 'rule';
  const hasEntryProps = def.trigger.type === 'event' || def.trigger.type === 'order';
  return (
    <Form layout="vertical" size="small" data-testid="journey-settings">
      {error ? <Alert type="error" showIcon style={{ marginBottom: 12 }} message={jt('error.onNode')} description={<><div>{error.message}</div><code style={{ fontSize: 11 }}>{error.code}</code></>} data-testid="node-error-alert" /> : null}
      <Typography.Title level={5}>{jt('trigger')}</Typography.Title>
      <FieldItem label={jt('triggerType')} name="trigger.type" error={error}>
        <Select data-testid="trigger-type" value={def.trigger.type} onChange={(v: TriggerType) => onChange({ ...def, trigger: TRIGGER_DEFAULTS[v] })} options={TRIGGER_TYPES.map((x) => ({ value: x, label: jt(`tt.${x}` as JKey) }))} />
      </FieldItem>
      {def.trigger.type === 'event' ? (
        <>
          <FieldItem label={jt('event')} name="trigger.event" error={error}>
            <Input data-testid="trigger-event" value={String(tr.event ?? '')} onChange={(e) => setTrigger({ event: e.target.value })} placeholder="Signed Up" />
          </FieldItem>
          <FieldItem label={jt('filters')} name="trigger.where" error={error}>
            <FiltersEditor testId="trigger-where" value={(tr.where as Filter[]) ?? []} onChange={(where) => onChange({ ...def, trigger: { ...def.trigger, where } })} />
          </FieldItem>
        </>
      ) : null}
      {def.trigger.type === 'segment' ? (
        <>
          <FieldItem label={jt('segment')} name="trigger.segment" error={error}>
            <Select showSearch value={(tr.segment as string) || undefined} options={segOptions} onChange={(v) => setTrigger({ segment: v })} />
          </FieldItem>
          <FieldItem label={jt('on')} name="trigger.on" error={error}>
            <Radio.Group value={tr.on ?? 'entry'} onChange={(e) => setTrigger({ on: e.target.value })} options={[{ value: 'entry', label: jt('on.entry') }, { value: 'exit', label: jt('on.exit') }]} />
          </FieldItem>
        </>
      ) : null}
      {def.trigger.type === 'date' ? (
        <>
          <FieldItem label={jt('dateField')} name="trigger.field" error={error}>
            <Select value={tr.field as string} onChange={(v) => setTrigger({ field: v })} options={['birthday', 'membership_anniversary'].map((f) => ({ value: f, label: jt(`field.${f}` as JKey) }))} />
          </FieldItem>
          <Space>
            <FieldItem label={jt('daysBefore')} name="trigger.days_before" error={error}>
              <InputNumber min={0} max={90} value={tr.days_before as number} onChange={(v) => setTrigger({ days_before: v ?? 0 })} />
            </FieldItem>
            <FieldItem label={jt('at')} name="trigger.at" error={error}>
              <Input value={String(tr.at ?? '')} onChange={(e) => setTrigger({ at: e.target.value })} placeholder="09:00" style={{ width: 100 }} />
            </FieldItem>
          </Space>
          <FieldItem label={jt('segmentOptional')} name="trigger.segment" error={error}>
            <Select allowClear showSearch value={(tr.segment as string) || undefined} options={segOptions} onChange={(v) => setTrigger({ segment: v })} />
          </FieldItem>
        </>
      ) : null}
      {def.trigger.type === 'schedule' ? (
        <>
          <FieldItem label={jt('cron')} name="trigger.cron" error={error}>
            <Input style={mono} value={String(tr.cron ?? '')} onChange={(e) => setTrigger({ cron: e.target.value })} placeholder="0 10 8 * *" />
          </FieldItem>
          <FieldItem label={jt('segment')} name="trigger.segment" error={error}>
            <Select showSearch value={(tr.segment as string) || undefined} options={segOptions} onChange={(v) => setTrigger({ segment: v })} />
          </FieldItem>
          <FieldItem label={jt('timezone')} name="trigger.timezone" error={error}>
            <Input value={String(tr.timezone ?? '')} onChange={(e) => setTrigger({ timezone: e.target.value })} placeholder="Asia/Shanghai" />
          </FieldItem>
        </>
      ) : null}
      {def.trigger.type === 'order' ? <OrderFilterFields value={tr} onChange={(v) => onChange({ ...def, trigger: { ...v, type: 'order' } as Trigger })} error={error} prefix="trigger" /> : null}

      <Divider style={{ margin: '8px 0' }} />
      <Typography.Title level={5}>{jt('settings')}</Typography.Title>
      <FieldItem label={jt('reentry')} name="entry.reentry" error={error}>
        <Select data-testid="journey-reentry" value={def.entry?.reentry ?? 'after_exit'} onChange={(v) => onChange({ ...def, entry: { ...def.entry, reentry: v } })} options={['once', 'after_exit', 'every_time'].map((r) => ({ value: r, label: jt(`reentry.${r}` as JKey) }))} />
      </FieldItem>
      {hasEntryProps ? (
        <FieldItem label={jt('entryKey')} name="entry.key" error={error} extra={jt('entryKeyHint')}>
          <Input value={def.entry?.key ?? ''} onChange={(e) => onChange({ ...def, entry: { ...def.entry, key: e.target.value || undefined } })} />
        </FieldItem>
      ) : null}
      <FieldItem label={jt('goal')} name="goal" error={error}>
        <Select
          data-testid="journey-goal"
          value={goalKind}
          onChange={(k: string) => {
            const { goal: _g, ...rest } = def;
            if (k === 'none') onChange(rest as JourneyDef);
            else onChange({ ...rest, goal: k === 'event' ? { event: 'Order Completed' } : k === 'order' ? { order: {} } : { rule: { and: [{ trait: 'order_count', op: '>=', value: 1 }] } } });
          }}
          options={['none', 'event', 'order', 'rule'].map((k) => ({ value: k, label: jt(`goal.${k}` as JKey) }))}
        />
      </FieldItem>
      {goal && 'event' in goal ? (
        <>
          <FieldItem label={jt('event')} name="goal.event" error={error}>
            <Input value={String(goal.event ?? '')} onChange={(e) => onChange({ ...def, goal: { ...goal, event: e.target.value } })} />
          </FieldItem>
          {hasEntryProps ? (
            <FieldItem label={jt('goalMatch')} name="goal.match" error={error}>
              <Select mode="tags" value={(goal.match as string[]) ?? []} onChange={(v: string[]) => onChange({ ...def, goal: omitEmpty({ ...goal, match: v }) })} />
            </FieldItem>
          ) : null}
        </>
      ) : null}
      {goal && 'order' in goal ? <OrderFilterFields value={(goal.order as Record<string, unknown>) ?? {}} onChange={(v) => onChange({ ...def, goal: { order: v } })} error={error} prefix="goal.order" /> : null}
      {goal && 'rule' in goal ? <RuleBuilder value={asRootGroup(goal.rule)} onChange={(r: RuleNode) => onChange({ ...def, goal: { rule: r } })} ctx={ctx} /> : null}
      <FieldItem label={jt('holdout')} name="holdout" error={error} extra={jt('holdoutHint')}>
        <InputNumber data-testid="journey-holdout" min={0} max={90} suffix="%" value={Math.round((def.holdout ?? 0) * 1000) / 10} onChange={(v) => onChange({ ...def, holdout: (v ?? 0) / 100 })} />
      </FieldItem>
    </Form>
  );
}

function OrderFilterFields({ value, onChange, error, prefix }: { value: Record<string, unknown>; onChange(v: Record<string, unknown>): void; error?: NodeError; prefix: string }) {
  const jt = useJt();
  const set = (patch: Record<string, unknown>) => onChange(omitEmpty({ ...value, ...patch }));
  const list = (k: string) => (
    <Select mode="tags" value={(value[k] as string[]) ?? []} onChange={(v: string[]) => set({ [k]: v })} />
  );
  return (
    <>
      <Space>
        <FieldItem label={jt('minAmount')} name={`${prefix}.min_amount`} error={error}>
          <InputNumber min={0} value={value.min_amount as number | undefined} onChange={(v) => set({ min_amount: v ?? undefined })} prefix="¥" />
        </FieldItem>
        <FieldItem label={jt('firstOrder')} name={`${prefix}.first_order`} error={error}>
          <Switch checked={Boolean(value.first_order)} onChange={(v) => set({ first_order: v || undefined })} />
        </FieldItem>
      </Space>
      <FieldItem label={jt('channels')} name={`${prefix}.channels`} error={error}>{list('channels')}</FieldItem>
      <FieldItem label={jt('categories')} name={`${prefix}.categories`} error={error}>{list('categories')}</FieldItem>
      <FieldItem label={jt('products')} name={`${prefix}.products`} error={error}>{list('products')}</FieldItem>
    </>
  );
}

/** One step: id, display name, its own fields, and where each exit leads. */
export function StepEditor({ def, id, onChange, onRename, onRemove, onStart, refs, ctx, error }: {
  def: JourneyDef; id: string; onChange(s: Step): void; onRename(to: string): void; onRemove(): void; onStart(): void; refs: Refs; ctx: BuilderContext; error?: NodeError;
}) {
  const jt = useJt();
  const step = def.steps[id];
  const [idText, setIdText] = useState(id);
  if (!step) return null;
  const s = step as Record<string, unknown>;
  const set = (patch: Record<string, unknown>) => {
    const next = { ...s, ...patch };
    for (const [k, v] of Object.entries(patch)) if (v === undefined || v === '') delete next[k];
    onChange(next as Step);
  };
  // Required references stay as empty strings so the server names the missing field on save.
  const setRef = (k: string, v: string | undefined) => onChange({ ...s, [k]: v ?? '' } as Step);
  const others = Object.keys(def.steps).filter((x) => x !== id);
  const exitSelect = (handle: string, label: string, to: string | undefined) => (
    <FieldItem key={handle} label={label} name={handle} error={error}>
      <Select
        data-testid={`exit-${handle}`}
        allowClear
        placeholder={jt('none')}
        value={to}
        onChange={(v: string | undefined) => {
          const m = /^branches\.(\d+)\.next$/.exec(handle);
          if (m) {
            const branches = [...((s.branches as Array<Record<string, unknown>>) ?? [])];
            branches[Number(m[1])] = omitEmpty({ ...branches[Number(m[1])], next: v });
            set({ branches });
          } else set({ [handle]: v });
        }}
        options={others.map((o) => ({ value: o, label: def.steps[o].name ? `${o} · ${def.steps[o].name}` : o }))}
      />
    </FieldItem>
  );
  const idOk = STEP_ID_PATTERN.test(idText) && (idText === id || !def.steps[idText]);
  return (
    <Form layout="vertical" size="small" data-testid="step-editor">
      {error ? <Alert type="error" showIcon style={{ marginBottom: 12 }} message={jt('error.onNode')} description={<><div>{error.message}</div><code style={{ fontSize: 11 }}>{error.code}</code></>} data-testid="node-error-alert" /> : null}
      <Space style={{ marginBottom: 8, justifyContent: 'space-between', width: '100%' }}>
        <Typography.Title level={5} style={{ margin: 0 }}>{jt(`st.${step.type}` as JKey)}</Typography.Title>
        <Space>
          {def.start !== id ? <Button size="small" onClick={onStart}>{jt('setStart')}</Button> : null}
          <Popconfirm title={jt('removeStep')} onConfirm={onRemove}><Button size="small" danger icon={<DeleteOutlined />} data-testid="step-remove">{jt('removeStep')}</Button></Popconfirm>
        </Space>
      </Space>
      <FieldItem label={jt('stepId')} name="__id" error={undefined}>
        <Input
          style={mono}
          value={idText}
          status={idOk ? undefined : 'error'}
          onChange={(e) => setIdText(e.target.value)}
          onBlur={() => (idOk && idText !== id ? onRename(idText) : setIdText(id))}
          onPressEnter={() => idOk && idText !== id && onRename(idText)}
          data-testid="step-id"
        />
      </FieldItem>
      <FieldItem label={jt('stepName')} name="name" error={error}>
        <Input value={step.name ?? ''} onChange={(e) => set({ name: e.target.value || undefined })} data-testid="step-name" />
      </FieldItem>
      {step.type === 'wait' ? (
        <Space align="start">
          <FieldItem label={jt('duration')} name="duration" error={error}>
            <Input value={String(s.duration ?? '')} onChange={(e) => set({ duration: e.target.value })} placeholder="3d" style={{ width: 140 }} />
          </FieldItem>
          <FieldItem label={jt('untilTime')} name="until_time" error={error}>
            <Input value={String(s.until_time ?? '')} onChange={(e) => set({ until_time: e.target.value })} placeholder="10:00" style={{ width: 100 }} />
          </FieldItem>
        </Space>
      ) : null}
      {step.type === 'wait_event' ? (
        <>
          <FieldItem label={jt('event')} name="event" error={error}>
            <Input value={String(s.event ?? '')} onChange={(e) => setRef('event', e.target.value)} />
          </FieldItem>
          <FieldItem label={jt('filters')} name="where" error={error}>
            <FiltersEditor testId="wait-where" value={(s.where as Filter[]) ?? []} onChange={(where) => onChange({ ...step, where })} />
          </FieldItem>
          <FieldItem label={jt('match')} name="match" error={error}>
            <Select mode="tags" value={(s.match as string[]) ?? []} onChange={(v: string[]) => set({ match: v.length ? v : undefined })} />
          </FieldItem>
          <FieldItem label={jt('timeout')} name="timeout" error={error}>
            <Input value={String(s.timeout ?? '')} onChange={(e) => setRef('timeout', e.target.value)} placeholder="2h" style={{ width: 140 }} />
          </FieldItem>
        </>
      ) : null}
      {step.type === 'condition' ? (
        <FieldItem label={jt('rule')} name="rule" error={error}>
          <RuleBuilder value={asRootGroup(s.rule)} onChange={(r: RuleNode) => onChange({ ...step, rule: r })} ctx={ctx} />
        </FieldItem>
      ) : null}
      {step.type === 'split' ? (
        <FieldItem label={jt('branches')} name="branches" error={error}>
          <Space direction="vertical" style={{ width: '100%' }}>
            {((s.branches as Array<{ name: string; weight: number; next?: string }>) ?? []).map((b, i, all) => (
              <Space.Compact key={i} style={{ width: '100%' }}>
                <Input value={b.name} placeholder={jt('branch')} onChange={(e) => set({ branches: all.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)) })} style={{ width: '45%' }} />
                <InputNumber value={b.weight} min={0.0001} placeholder={jt('weight')} onChange={(v) => set({ branches: all.map((x, j) => (j === i ? { ...x, weight: v ?? 1 } : x)) })} style={{ width: '40%' }} />
                <Button icon={<DeleteOutlined />} disabled={all.length <= 2} onClick={() => set({ branches: all.filter((_, j) => j !== i) })} aria-label="remove" />
              </Space.Compact>
            ))}
            <Button size="small" icon={<PlusOutlined />} disabled={((s.branches as unknown[]) ?? []).length >= 10} onClick={() => set({ branches: [...((s.branches as unknown[]) ?? []), { name: String.fromCharCode(65 + ((s.branches as unknown[]) ?? []).length), weight: 50 }] })}>{jt('addBranch')}</Button>
          </Space>
        </FieldItem>
      ) : null}
      {step.type === 'send' ? (
        <>
          <FieldItem label={jt('channel')} name="channel" error={error}>
            <Select data-testid="send-channel" showSearch value={(s.channel as string) || undefined} onChange={(v) => setRef('channel', v)} options={refs.channels.map((c) => ({ value: c.name, label: `${c.name} · ${c.type}` }))} />
          </FieldItem>
          <FieldItem label={jt('template')} name="template" error={error}>
            <Select data-testid="send-template" showSearch value={(s.template as string) || undefined} onChange={(v) => setRef('template', v)} options={refs.templates.map((x) => ({ value: x.name, label: `${x.name} (${x.channels.join(', ')})` }))} />
          </FieldItem>
          <FieldItem label={jt('templateVersion')} name="template_version" error={error}>
            <InputNumber min={1} value={s.template_version as number | undefined} onChange={(v) => set({ template_version: v ?? undefined })} />
          </FieldItem>
          <FieldItem label={jt('purpose')} name="purpose" error={error}>
            <Radio.Group optionType="button" value={s.purpose ?? 'marketing'} onChange={(e) => set({ purpose: e.target.value })} options={[{ value: 'marketing', label: jt('purpose.marketing') }, { value: 'service', label: jt('purpose.service') }]} />
          </FieldItem>
        </>
      ) : null}
      {step.type === 'issue_coupon' ? (
        <FieldItem label={jt('coupon')} name="coupon" error={error}>
          <Select showSearch value={(s.coupon as string) || undefined} onChange={(v) => setRef('coupon', v)} options={refs.coupons.map((c) => ({ value: c.name, label: c.name }))} />
        </FieldItem>
      ) : null}
      {step.type === 'grant_points' ? (
        <Space align="start">
          <FieldItem label={jt('points')} name="points" error={error}>
            <InputNumber min={1} value={s.points as number} onChange={(v) => onChange({ ...step, points: v ?? 1 })} />
          </FieldItem>
          <FieldItem label={jt('reason')} name="reason" error={error}>
            <Input value={String(s.reason ?? '')} onChange={(e) => set({ reason: e.target.value })} />
          </FieldItem>
        </Space>
      ) : null}
      {step.type === 'add_tag' || step.type === 'remove_tag' ? (
        <FieldItem label={jt('tag')} name="tag" error={error}>
          <Select
            showSearch
            value={(s.tag as string) || undefined}
            onChange={(v) => setRef('tag', v)}
            // A new tag may be typed (add_tag creates a missing tag).
            onSearch={(q) => q && setRef('tag', q)}
            options={[...new Set([...(s.tag ? [String(s.tag)] : []), ...refs.tags])].map((x) => ({ value: x, label: x }))}
          />
        </FieldItem>
      ) : null}
      {step.type === 'set_attribute' ? <AttributeFields s={s} onChange={(x) => onChange(x as Step)} error={error} /> : null}
      {step.type === 'staff_task' ? (
        <>
          <FieldItem label={jt('task')} name="task" error={error}>
            <Radio.Group optionType="button" value={s.task} onChange={(e) => set({ task: e.target.value })} options={['message', 'call', 'invite_group'].map((x) => ({ value: x, label: jt(`task.${x}` as JKey) }))} />
          </FieldItem>
          <FieldItem label={jt('script')} name="script" error={error}>
            <Input.TextArea rows={3} value={String(s.script ?? '')} onChange={(e) => set({ script: e.target.value })} />
          </FieldItem>
          <FieldItem label={jt('dueInHours')} name="due_in_hours" error={error}>
            <InputNumber min={0} max={2160} value={s.due_in_hours as number} onChange={(v) => set({ due_in_hours: v ?? undefined })} />
          </FieldItem>
        </>
      ) : null}
      {exitsOf(step).length > 0 ? <Divider style={{ margin: '8px 0' }} /> : null}
      {exitsOf(step).map((e) => exitSelect(e.handle, e.handle.startsWith('branches.') ? `${jt('branch')} ${e.label} →` : jt(`x.${e.label}` as JKey), e.to))}
    </Form>
  );
}

function AttributeFields({ s, onChange, error }: { s: Record<string, unknown>; onChange(s: Record<string, unknown>): void; error?: NodeError }) {
  const jt = useJt();
  const v = s.value;
  const vt = v === null ? 'null' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string';
  return (
    <>
      <FieldItem label={jt('attribute')} name="attribute" error={error}>
        <Input value={String(s.attribute ?? '')} onChange={(e) => onChange({ ...s, attribute: e.target.value })} />
      </FieldItem>
      <FieldItem label={jt('valueType')} name="__vt" error={undefined}>
        <Radio.Group
          optionType="button"
          value={vt}
          onChange={(e) => onChange({ ...s, value: e.target.value === 'null' ? null : e.target.value === 'number' ? 0 : e.target.value === 'boolean' ? true : '' })}
          options={['string', 'number', 'boolean', 'null'].map((x) => ({ value: x, label: jt(`vt.${x}` as JKey) }))}
        />
      </FieldItem>
      {vt !== 'null' ? (
        <FieldItem label={jt('value')} name="value" error={error}>
          {vt === 'number' ? <InputNumber value={v as number} onChange={(x) => onChange({ ...s, value: x ?? 0 })} />
            : vt === 'boolean' ? <Switch checked={Boolean(v)} onChange={(x) => onChange({ ...s, value: x })} />
            : <Input value={String(v ?? '')} onChange={(e) => onChange({ ...s, value: e.target.value })} />}
        </FieldItem>
      ) : null}
    </>
  );
}

// Loyalty forms: the program (tiers with thresholds and benefits, qualifying basis, downgrade, order and event earn
// rules, points expiry), member day, birthday gifts and rewards — validated in the form before the API checks them
// again. Fields the forms do not show (campaign multipliers, checkout settings, event `where`…) are kept as they were.
import { useState } from 'react';
import { App, Button, Card, Col, DatePicker, Divider, Form, Input, InputNumber, Modal, Radio, Row, Select, Space, Switch } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { api } from '../../api/client';
import type { LoyaltyTier, Reward } from '../../api/types';
import { useI18n } from '../../i18n';
import { ErrorAlert, useLoad } from '../../components/state';

const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

interface TierRow { code: string; name_zh: string; name_en: string; threshold: number; pointsMultiplier: number; discountPercent: number; freeShipping: boolean; gift: 'none' | 'points' | 'coupon'; giftPoints?: number; giftCoupon?: string }
interface EventRow { event: string; points: number; day?: number | null; week?: number | null; month?: number | null; lifetime?: number | null; track?: string[] }
export interface ProgramFormValues {
  metric: 'points_earned' | 'spend' | 'order_count';
  window: 'rolling' | 'calendar_year';
  days?: number;
  downgrade: 'never' | 'periodic_review' | 'anniversary';
  period?: 'month' | 'quarter' | 'half_year' | 'year';
  graceDays?: number;
  steps?: 'to_qualified' | 'one_level';
  tiers: TierRow[];
  ratePoints: number;
  ratePer: number;
  rounding: 'floor' | 'round' | 'ceil';
  minOrderAmount: number;
  memberDayFactor: number;
  tierMultiplier: boolean;
  maxPointsPerOrder?: number | null;
  excludedCategories: string[];
  events: EventRow[];
  expiry: 'never' | 'days' | 'end_of_month' | 'end_of_year';
  expiryDays?: number;
  monthsAfter?: number;
  yearsAfter?: number;
  pendingDays: number;
}

/** The stored program (or the example) as form values. */
export function programToForm(p: { program: Obj; earn?: Obj | null; lots?: unknown }): ProgramFormValues {
  const program = p.program;
  const basis = obj(program.basis);
  const win = obj(basis.window);
  const down = obj(program.downgrade);
  const order = obj(obj(p.earn).order);
  const rate = obj(order.rate);
  const lots = obj(p.lots);
  const expiry = obj(lots.expiry);
  const tiers = ((program.tiers as LoyaltyTier[] | undefined) ?? []).map((t): TierRow => {
    const b = obj(t.benefits);
    const gift = obj(b.birthdayGift);
    const name = typeof t.name === 'string' ? { zh: t.name, en: t.name } : t.name;
    return {
      code: t.code, name_zh: name.zh ?? '', name_en: name.en ?? '', threshold: t.threshold,
      pointsMultiplier: Number(b.pointsMultiplier ?? 1), discountPercent: Number(b.discountPercent ?? 0), freeShipping: Boolean(b.freeShipping),
      gift: gift.points ? 'points' : gift.couponTemplateId ? 'coupon' : 'none', giftPoints: gift.points as number | undefined, giftCoupon: gift.couponTemplateId as string | undefined,
    };
  });
  const events = ((obj(p.earn).events as Obj[] | undefined) ?? []).map((e): EventRow => {
    const caps = obj(e.caps);
    return { event: String(e.event ?? ''), points: Number(e.points ?? 1), day: caps.day as number, week: caps.week as number, month: caps.month as number, lifetime: caps.lifetime as number, track: e.track === undefined ? [] : ([] as string[]).concat(e.track as string) };
  });
  return {
    metric: (basis.metric as ProgramFormValues['metric']) ?? 'points_earned',
    window: (win.type as ProgramFormValues['window']) ?? 'rolling',
    days: (win.days as number) ?? 365,
    downgrade: (down.mode as ProgramFormValues['downgrade']) ?? 'never',
    period: (down.period as ProgramFormValues['period']) ?? 'year',
    graceDays: (down.graceDays as number) ?? 0,
    steps: (down.steps as ProgramFormValues['steps']) ?? 'to_qualified',
    tiers,
    ratePoints: Number(rate.points ?? 1), ratePer: Number(rate.per ?? 1), rounding: (order.rounding as ProgramFormValues['rounding']) ?? 'floor',
    minOrderAmount: Number(order.minOrderAmount ?? 0), memberDayFactor: Number(order.memberDayFactor ?? 1), tierMultiplier: order.tierMultiplier !== false,
    maxPointsPerOrder: (order.maxPointsPerOrder as number | null) ?? null, excludedCategories: (order.excludedCategories as string[]) ?? [],
    events,
    expiry: (expiry.type as ProgramFormValues['expiry']) ?? 'never', expiryDays: (expiry.days as number) ?? 365, monthsAfter: (expiry.monthsAfter as number) ?? 0, yearsAfter: (expiry.yearsAfter as number) ?? 1,
    pendingDays: Number(lots.pendingDays ?? 0),
  };
}

/** Form values back to the PUT /api/loyalty/program body, on top of what was stored (unshown fields kept). */
export function formToProgram(v: ProgramFormValues, base: { program: Obj; earn?: Obj | null; lots?: unknown }) {
  const prevEvents = new Map(((obj(base.earn).events as Obj[] | undefined) ?? []).map((e) => [String(e.event), e]));
  const caps = (e: EventRow) => Object.fromEntries((['day', 'week', 'month', 'lifetime'] as const).filter((k) => typeof e[k] === 'number').map((k) => [k, e[k]]));
  const downgrade = v.downgrade === 'never' ? { mode: 'never' } : v.downgrade === 'periodic_review' ? { mode: v.downgrade, period: v.period, graceDays: v.graceDays ?? 0, steps: v.steps } : { mode: v.downgrade, graceDays: v.graceDays ?? 0, steps: v.steps };
  const expiry = v.expiry === 'days' ? { type: 'days', days: v.expiryDays } : v.expiry === 'end_of_month' ? { type: 'end_of_month', monthsAfter: v.monthsAfter ?? 0 } : v.expiry === 'end_of_year' ? { type: 'end_of_year', yearsAfter: v.yearsAfter ?? 0 } : { type: 'never' };
  const prevOrder = obj(obj(base.earn).order);
  return {
    program: {
      ...base.program,
      basis: { metric: v.metric, window: v.window === 'rolling' ? { type: 'rolling', days: v.days } : { type: 'calendar_year' } },
      downgrade,
      tiers: v.tiers.map((t) => ({
        code: t.code.trim(), name: { zh: t.name_zh.trim(), en: t.name_en.trim() }, threshold: t.threshold,
        benefits: {
          pointsMultiplier: t.pointsMultiplier, discountPercent: t.discountPercent, freeShipping: Boolean(t.freeShipping),
          birthdayGift: t.gift === 'points' ? { points: t.giftPoints } : t.gift === 'coupon' ? { couponTemplateId: t.giftCoupon } : null,
        },
      })),
    },
    earn: {
      ...obj(base.earn),
      order: {
        ...prevOrder, rate: { points: v.ratePoints, per: v.ratePer }, rounding: v.rounding, minOrderAmount: v.minOrderAmount ?? 0, memberDayFactor: v.memberDayFactor,
        tierMultiplier: v.tierMultiplier, maxPointsPerOrder: v.maxPointsPerOrder ?? null, excludedCategories: v.excludedCategories ?? [],
      },
      events: (v.events ?? []).map((e) => {
        const prev = { ...(prevEvents.get(e.event) ?? {}) };
        delete prev.track;
        return { ...prev, event: e.event.trim(), points: e.points, caps: caps(e), ...(e.track?.length ? { track: e.track.length === 1 ? e.track[0] : e.track } : {}) };
      }),
    },
    lots: { ...obj(base.lots), expiry, pendingDays: v.pendingDays ?? 0 },
  };
}

function useCouponOptions() {
  const list = useLoad(async (signal) => (await api('get', '/api/coupons/templates', { signal })).data, []);
  return (list.data ?? []).map((c) => ({ value: c.id, label: c.name }));
}

const req = (t: (k: 'form.required') => string) => ({ required: true, message: t('form.required') });

export function ProgramForm({ base, onSaved, onCancel }: { base: { program: Obj; earn?: Obj | null; lots?: unknown }; onSaved(): void; onCancel(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<ProgramFormValues>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const coupons = useCouponOptions();
  const windowType = Form.useWatch('window', form);
  const downgrade = Form.useWatch('downgrade', form);
  const expiry = Form.useWatch('expiry', form);
  const tiers = Form.useWatch('tiers', form) as TierRow[] | undefined;
  const submit = async (v: ProgramFormValues) => {
    setSaving(true);
    setError(null);
    try {
      await api('put', '/api/loyalty/program', { body: formToProgram(v, base) as never });
      message.success(t('common.saved'));
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  const num = (name: string | Array<string | number>, label: string, opts: { min?: number; max?: number; step?: number; precision?: number; required?: boolean; suffix?: string; testId?: string } = {}) => (
    <Form.Item name={name} label={label} rules={opts.required === false ? [] : [req(t)]}>
      <InputNumber min={opts.min ?? 0} max={opts.max} step={opts.step} precision={opts.precision} suffix={opts.suffix} style={{ width: '100%' }} data-testid={opts.testId} />
    </Form.Item>
  );
  return (
    <Form form={form} layout="vertical" initialValues={programToForm(base)} onFinish={submit} data-testid="program-form" scrollToFirstError>
      <Card size="small" title={t('lf.tiers')}>
        <Form.List
          name="tiers"
          rules={[{
            validator: async (_, rows: TierRow[] | undefined) => {
              if (!rows?.length) throw new Error(t('lf.tiersMin'));
              if (rows[0]?.threshold !== 0) throw new Error(t('lf.firstZero'));
              for (let i = 1; i < rows.length; i++) if (!(rows[i]?.threshold > rows[i - 1]?.threshold)) throw new Error(t('lf.increasing'));
              const codes = rows.map((r) => r?.code);
              if (new Set(codes).size !== codes.length) throw new Error(t('lf.codeDup'));
            },
          }]}
        >
          {(fields, { add, remove }, { errors }) => (
            <>
              {fields.map((f, i) => (
                <div key={f.key} style={{ borderBottom: '1px dashed #eee', marginBottom: 12 }}>
                  <Row gutter={8} align="top">
                    <Col span={4}>
                      <Form.Item name={[f.name, 'code']} label={t('lf.code')} rules={[req(t), { pattern: SLUG, message: t('lf.slug') }]}><Input data-testid={`tier-code-${i}`} placeholder="gold" /></Form.Item>
                    </Col>
                    <Col span={4}>
                      <Form.Item name={[f.name, 'name_zh']} label={t('lf.nameZh')} rules={[req(t), { max: 64 }]}><Input data-testid={`tier-name-zh-${i}`} placeholder="金卡" /></Form.Item>
                    </Col>
                    <Col span={4}>
                      <Form.Item name={[f.name, 'name_en']} label={t('lf.nameEn')} rules={[req(t), { max: 64 }]}><Input placeholder="Gold" /></Form.Item>
                    </Col>
                    <Col span={4}>{num([f.name, 'threshold'] as never, t('loyalty.threshold'), { testId: `tier-threshold-${i}` })}</Col>
                    <Col span={3}>{num([f.name, 'pointsMultiplier'] as never, t('lf.multiplier'), { max: 100, step: 0.1, suffix: '×' })}</Col>
                    <Col span={3}>{num([f.name, 'discountPercent'] as never, t('lf.discount'), { max: 100, suffix: '%' })}</Col>
                    <Col span={2} style={{ paddingTop: 30 }}>
                      <Button type="text" danger icon={<MinusCircleOutlined />} aria-label={t('common.remove')} disabled={fields.length <= 1} onClick={() => remove(f.name)} />
                    </Col>
                  </Row>
                  <Row gutter={8}>
                    <Col span={4}>
                      <Form.Item name={[f.name, 'freeShipping']} label={t('lf.freeShipping')} valuePropName="checked"><Switch size="small" /></Form.Item>
                    </Col>
                    <Col span={6}>
                      <Form.Item name={[f.name, 'gift']} label={t('lf.birthdayGift')}>
                        <Select options={[{ value: 'none', label: t('common.none') }, { value: 'points', label: t('lf.giftPoints') }, { value: 'coupon', label: t('lf.giftCoupon') }]} />
                      </Form.Item>
                    </Col>
                    <Col span={8}>
                      {tiers?.[f.name]?.gift === 'points' ? num([f.name, 'giftPoints'] as never, t('loyalty.points'), { min: 1, precision: 0 }) : null}
                      {tiers?.[f.name]?.gift === 'coupon' ? (
                        <Form.Item name={[f.name, 'giftCoupon']} label={t('lf.couponTemplate')} rules={[req(t)]}><Select showSearch optionFilterProp="label" options={coupons} /></Form.Item>
                      ) : null}
                    </Col>
                  </Row>
                </div>
              ))}
              <Form.ErrorList errors={errors} />
              <Button icon={<PlusOutlined />} onClick={() => {
                const last = tiers?.[tiers.length - 1];
                add({ code: '', name_zh: '', name_en: '', threshold: (last?.threshold ?? 0) + 1000, pointsMultiplier: 1, discountPercent: 0, freeShipping: false, gift: 'none' });
              }} data-testid="tier-add">{t('lf.addTier')}</Button>
            </>
          )}
        </Form.List>
      </Card>
      <Card size="small" title={t('lf.basis')} style={{ marginTop: 12 }}>
        <Row gutter={12}>
          <Col span={6}>
            <Form.Item name="metric" label={t('lf.metric')}>
              <Select options={(['points_earned', 'spend', 'order_count'] as const).map((m) => ({ value: m, label: t(`lf.metric.${m}`) }))} />
            </Form.Item>
          </Col>
          <Col span={6}>
            <Form.Item name="window" label={t('lf.window')}>
              <Select options={[{ value: 'rolling', label: t('lf.rolling') }, { value: 'calendar_year', label: t('lf.calendarYear') }]} />
            </Form.Item>
          </Col>
          <Col span={4}>{windowType === 'rolling' ? num('days', t('common.days'), { min: 1, max: 3660, precision: 0 }) : null}</Col>
        </Row>
        <Row gutter={12}>
          <Col span={6}>
            <Form.Item name="downgrade" label={t('loyalty.downgrade')}>
              <Select options={(['never', 'periodic_review', 'anniversary'] as const).map((m) => ({ value: m, label: t(`lf.down.${m}`) }))} />
            </Form.Item>
          </Col>
          {downgrade === 'periodic_review' ? (
            <Col span={5}>
              <Form.Item name="period" label={t('lf.reviewPeriod')}>
                <Select options={(['month', 'quarter', 'half_year', 'year'] as const).map((m) => ({ value: m, label: t(`lf.period.${m}`) }))} />
              </Form.Item>
            </Col>
          ) : null}
          {downgrade && downgrade !== 'never' ? (
            <>
              <Col span={4}>{num('graceDays', t('lf.graceDays'), { max: 366, precision: 0 })}</Col>
              <Col span={6}>
                <Form.Item name="steps" label={t('lf.steps')}>
                  <Select options={[{ value: 'to_qualified', label: t('lf.toQualified') }, { value: 'one_level', label: t('lf.oneLevel') }]} />
                </Form.Item>
              </Col>
            </>
          ) : null}
        </Row>
      </Card>
      <Card size="small" title={t('loyalty.orderRule')} style={{ marginTop: 12 }}>
        <Row gutter={12}>
          <Col span={4}>{num('ratePoints', t('lf.ratePoints'), { min: 0.0001 })}</Col>
          <Col span={4}>{num('ratePer', t('lf.ratePer'), { min: 0.01, suffix: '¥' })}</Col>
          <Col span={4}>
            <Form.Item name="rounding" label={t('lf.rounding')}>
              <Select options={(['floor', 'round', 'ceil'] as const).map((m) => ({ value: m, label: t(`lf.round.${m}`) }))} />
            </Form.Item>
          </Col>
          <Col span={4}>{num('minOrderAmount', t('lf.minOrder'), { suffix: '¥' })}</Col>
          <Col span={4}>{num('memberDayFactor', t('lf.memberDayFactor'), { min: 0.01, max: 100, step: 0.5, suffix: '×' })}</Col>
          <Col span={4}>{num('maxPointsPerOrder', t('lf.maxPerOrder'), { min: 1, precision: 0, required: false })}</Col>
        </Row>
        <Row gutter={12}>
          <Col span={4}>
            <Form.Item name="tierMultiplier" label={t('lf.tierMultiplier')} valuePropName="checked"><Switch size="small" /></Form.Item>
          </Col>
          <Col span={20}>
            <Form.Item name="excludedCategories" label={t('lf.excludedCategories')}><Select mode="tags" tokenSeparators={[',', '，']} open={false} suffixIcon={null} /></Form.Item>
          </Col>
        </Row>
        <Divider orientation="left" plain>{t('loyalty.eventRules')}</Divider>
        <Form.List
          name="events"
          rules={[{ validator: async (_, rows: EventRow[] | undefined) => { const n = (rows ?? []).map((r) => r?.event); if (new Set(n).size !== n.length) throw new Error(t('lf.eventDup')); } }]}
        >
          {(fields, { add, remove }, { errors }) => (
            <>
              {fields.map((f) => (
                <Row key={f.key} gutter={8}>
                  <Col span={4}>
                    <Form.Item name={[f.name, 'event']} label={t('loyalty.event')} rules={[req(t), { pattern: SLUG, message: t('lf.slug') }]}><Input placeholder="sign_in" /></Form.Item>
                  </Col>
                  <Col span={3}>{num([f.name, 'points'] as never, t('loyalty.points'), { min: 1, precision: 0 })}</Col>
                  {(['day', 'week', 'month', 'lifetime'] as const).map((k) => (
                    <Col span={2} key={k}>{num([f.name, k] as never, t(`lf.cap.${k}`), { min: 1, precision: 0, required: false })}</Col>
                  ))}
                  <Col span={7}>
                    <Form.Item name={[f.name, 'track']} label={t('loyalty.track')}><Select mode="tags" open={false} suffixIcon={null} placeholder="Signed In" /></Form.Item>
                  </Col>
                  <Col span={2} style={{ paddingTop: 30 }}>
                    <Button type="text" danger icon={<MinusCircleOutlined />} aria-label={t('common.remove')} onClick={() => remove(f.name)} />
                  </Col>
                </Row>
              ))}
              <Form.ErrorList errors={errors} />
              <Button icon={<PlusOutlined />} onClick={() => add({ event: '', points: 5, day: 1, track: [] })}>{t('lf.addEvent')}</Button>
            </>
          )}
        </Form.List>
      </Card>
      <Card size="small" title={t('lf.expiryTitle')} style={{ marginTop: 12 }}>
        <Row gutter={12}>
          <Col span={6}>
            <Form.Item name="expiry" label={t('lf.expiry')}>
              <Select options={(['never', 'days', 'end_of_month', 'end_of_year'] as const).map((m) => ({ value: m, label: t(`lf.expiry.${m}`) }))} />
            </Form.Item>
          </Col>
          <Col span={4}>
            {expiry === 'days' ? num('expiryDays', t('common.days'), { min: 1, max: 3660, precision: 0 }) : null}
            {expiry === 'end_of_month' ? num('monthsAfter', t('lf.monthsAfter'), { max: 120, precision: 0 }) : null}
            {expiry === 'end_of_year' ? num('yearsAfter', t('lf.yearsAfter'), { max: 10, precision: 0 }) : null}
          </Col>
          <Col span={4}>{num('pendingDays', t('lf.pendingDays'), { max: 365, precision: 0 })}</Col>
        </Row>
      </Card>
      {error ? <div style={{ marginTop: 12 }}><ErrorAlert error={error} /></div> : null}
      <Space style={{ marginTop: 12 }}>
        <Button type="primary" htmlType="submit" loading={saving} data-testid="program-save">{t('common.save')}</Button>
        <Button onClick={onCancel}>{t('common.cancel')}</Button>
      </Space>
    </Form>
  );
}

// ── member day ────────────────────────────────────────────────────────────────────────────────────

interface DayRule { type: 'weekly' | 'monthly' | 'last_day_of_month'; weekdays?: number[]; days?: number[]; clampToMonthEnd?: boolean }
interface MemberDayValues { rules: DayRule[]; skipDates: string[]; extraDates: string[]; couponTemplate?: string; couponTiers: string[] }
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function MemberDayForm({ value, tiers, onSaved }: { value: Obj | null; tiers: string[]; onSaved(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<MemberDayValues>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const coupons = useCouponOptions();
  const rules = Form.useWatch('rules', form) as DayRule[] | undefined;
  const schedule = obj(value?.schedule);
  const coupon = value?.coupon ? obj(value.coupon) : null;
  const initial: MemberDayValues = {
    rules: ((schedule.rules as DayRule[] | undefined) ?? [{ type: 'monthly', days: [8] }]),
    skipDates: (schedule.skipDates as string[]) ?? [],
    extraDates: (schedule.extraDates as string[]) ?? [],
    couponTemplate: coupon?.templateId as string | undefined,
    couponTiers: (coupon?.tiers as string[]) ?? [],
  };
  const run = async (f: () => Promise<unknown>) => {
    setSaving(true);
    setError(null);
    try {
      await f();
      message.success(t('common.saved'));
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  const submit = (v: MemberDayValues) =>
    run(() => api('put', '/api/loyalty/member-day', {
      body: {
        schedule: {
          ...(schedule.timezone ? { timezone: schedule.timezone } : {}),
          rules: v.rules.map((r) => (r.type === 'weekly' ? { type: 'weekly', weekdays: r.weekdays } : r.type === 'monthly' ? { type: 'monthly', days: r.days, clampToMonthEnd: Boolean(r.clampToMonthEnd) } : { type: 'last_day_of_month' })),
          skipDates: v.skipDates ?? [], extraDates: v.extraDates ?? [],
        },
        coupon: v.couponTemplate ? { templateId: v.couponTemplate, tiers: v.couponTiers ?? [] } : null,
      },
    }));
  const dates = [{ validator: async (_: unknown, xs: string[] | undefined) => { const bad = (xs ?? []).find((x) => !DATE.test(x)); if (bad) throw new Error(`${t('lf.dateFormat')}: ${bad}`); } }];
  return (
    <Form form={form} layout="vertical" initialValues={initial} onFinish={submit} data-testid="member-day-form">
      <Form.List name="rules" rules={[{ validator: async (_, xs: DayRule[] | undefined) => { if (!xs?.length) throw new Error(t('lf.rulesMin')); } }]}>
        {(fields, { add, remove }, { errors }) => (
          <>
            {fields.map((f) => (
              <Row gutter={8} key={f.key}>
                <Col span={7}>
                  <Form.Item name={[f.name, 'type']} label={t('lf.ruleType')}>
                    <Select options={(['weekly', 'monthly', 'last_day_of_month'] as const).map((x) => ({ value: x, label: t(`lf.rule.${x}`) }))} />
                  </Form.Item>
                </Col>
                <Col span={13}>
                  {rules?.[f.name]?.type === 'weekly' ? (
                    <Form.Item name={[f.name, 'weekdays']} label={t('lf.weekdays')} rules={[{ required: true, type: 'array', min: 1, message: t('form.required') }]}>
                      <Select mode="multiple" options={[1, 2, 3, 4, 5, 6, 7].map((d) => ({ value: d, label: t(`lf.wd.${d}` as 'lf.wd.1') }))} />
                    </Form.Item>
                  ) : null}
                  {rules?.[f.name]?.type === 'monthly' ? (
                    <Row gutter={8}>
                      <Col span={16}>
                        <Form.Item name={[f.name, 'days']} label={t('lf.monthDays')} rules={[{ required: true, type: 'array', min: 1, message: t('form.required') }]}>
                          <Select mode="multiple" options={Array.from({ length: 31 }, (_, i) => ({ value: i + 1, label: String(i + 1) }))} />
                        </Form.Item>
                      </Col>
                      <Col span={8}>
                        <Form.Item name={[f.name, 'clampToMonthEnd']} label={t('lf.clamp')} valuePropName="checked"><Switch size="small" /></Form.Item>
                      </Col>
                    </Row>
                  ) : null}
                </Col>
                <Col span={2} style={{ paddingTop: 30 }}>
                  <Button type="text" danger icon={<MinusCircleOutlined />} aria-label={t('common.remove')} onClick={() => remove(f.name)} />
                </Col>
              </Row>
            ))}
            <Form.ErrorList errors={errors} />
            <Button icon={<PlusOutlined />} onClick={() => add({ type: 'weekly', weekdays: [3] })} style={{ marginBottom: 12 }}>{t('lf.addRule')}</Button>
          </>
        )}
      </Form.List>
      <Row gutter={12}>
        <Col span={12}><Form.Item name="skipDates" label={t('lf.skipDates')} rules={dates}><Select mode="tags" open={false} suffixIcon={null} placeholder="2025-10-01" /></Form.Item></Col>
        <Col span={12}><Form.Item name="extraDates" label={t('lf.extraDates')} rules={dates}><Select mode="tags" open={false} suffixIcon={null} placeholder="2025-11-11" /></Form.Item></Col>
        <Col span={12}><Form.Item name="couponTemplate" label={t('lf.memberDayCoupon')}><Select allowClear showSearch optionFilterProp="label" options={coupons} /></Form.Item></Col>
        <Col span={12}><Form.Item name="couponTiers" label={t('lf.couponTiers')} extra={t('lf.couponTiersHint')}><Select mode="multiple" options={tiers.map((c) => ({ value: c, label: c }))} /></Form.Item></Col>
      </Row>
      {error ? <div style={{ marginBottom: 12 }}><ErrorAlert error={error} /></div> : null}
      <Space>
        <Button type="primary" htmlType="submit" loading={saving} data-testid="member-day-save">{t('common.save')}</Button>
        {value ? <Button danger onClick={() => run(() => api('delete', '/api/loyalty/member-day'))}>{t('lf.turnOff')}</Button> : null}
      </Space>
    </Form>
  );
}

// ── birthday ──────────────────────────────────────────────────────────────────────────────────────

interface BirthdayValues { enabled: boolean; daysBefore: number; daysAfter: number; feb29: 'feb28' | 'mar1'; gift: 'none' | 'points' | 'coupon'; points?: number; couponTemplateId?: string }

export function BirthdayForm({ value, onSaved }: { value: Obj | null; onSaved(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<BirthdayValues>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const coupons = useCouponOptions();
  const gift = Form.useWatch('gift', form);
  const win = obj(value?.window);
  const g = value?.gift ? obj(value.gift) : {};
  const initial: BirthdayValues = {
    enabled: value ? value.enabled !== false : true, daysBefore: Number(win.daysBefore ?? 0), daysAfter: Number(win.daysAfter ?? 7), feb29: (win.feb29 as 'feb28') ?? 'feb28',
    gift: g.points ? 'points' : g.couponTemplateId ? 'coupon' : value ? 'none' : 'points', points: (g.points as number) ?? 100, couponTemplateId: g.couponTemplateId as string | undefined,
  };
  const submit = async (v: BirthdayValues) => {
    setSaving(true);
    setError(null);
    try {
      await api('put', '/api/loyalty/birthday', {
        body: {
          enabled: v.enabled, daysBefore: v.daysBefore, daysAfter: v.daysAfter, feb29: v.feb29, ...(win.timezone ? { timezone: win.timezone } : {}),
          gift: v.gift === 'points' ? { points: v.points } : v.gift === 'coupon' ? { couponTemplateId: v.couponTemplateId } : null,
        },
      });
      message.success(t('common.saved'));
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Form form={form} layout="vertical" initialValues={initial} onFinish={submit} data-testid="birthday-form">
      <Row gutter={12}>
        <Col span={6}><Form.Item name="enabled" label={t('settings.enabled')} valuePropName="checked"><Switch /></Form.Item></Col>
        <Col span={6}><Form.Item name="daysBefore" label={t('lf.daysBefore')} rules={[req(t)]}><InputNumber min={0} max={60} precision={0} style={{ width: '100%' }} /></Form.Item></Col>
        <Col span={6}><Form.Item name="daysAfter" label={t('lf.daysAfter')} rules={[req(t)]}><InputNumber min={0} max={60} precision={0} style={{ width: '100%' }} /></Form.Item></Col>
        <Col span={6}>
          <Form.Item name="feb29" label={t('lf.feb29')}>
            <Select options={[{ value: 'feb28', label: t('lf.feb28') }, { value: 'mar1', label: t('lf.mar1') }]} />
          </Form.Item>
        </Col>
      </Row>
      <Form.Item name="gift" label={t('lf.defaultGift')} extra={t('lf.defaultGiftHint')}>
        <Radio.Group optionType="button" options={[{ value: 'none', label: t('lf.tierGiftsOnly') }, { value: 'points', label: t('lf.giftPoints') }, { value: 'coupon', label: t('lf.giftCoupon') }]} />
      </Form.Item>
      {gift === 'points' ? <Form.Item name="points" label={t('loyalty.points')} rules={[req(t)]}><InputNumber min={1} precision={0} style={{ width: 200 }} /></Form.Item> : null}
      {gift === 'coupon' ? <Form.Item name="couponTemplateId" label={t('lf.couponTemplate')} rules={[req(t)]}><Select showSearch optionFilterProp="label" options={coupons} style={{ maxWidth: 360 }} /></Form.Item> : null}
      {error ? <div style={{ marginBottom: 12 }}><ErrorAlert error={error} /></div> : null}
      <Button type="primary" htmlType="submit" loading={saving} data-testid="birthday-save">{t('common.save')}</Button>
    </Form>
  );
}

// ── rewards ───────────────────────────────────────────────────────────────────────────────────────

interface RewardValues { name: string; description?: string; points_cost: number; stock?: number | null; per_member_limit?: number | null; tiers: string[]; window?: [Dayjs | null, Dayjs | null] | null; active: boolean }

export function RewardForm({ reward, tiers, onClose, onSaved }: { reward: Reward | null; tiers: string[]; onClose(): void; onSaved(): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<RewardValues>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const initial: Partial<RewardValues> = reward
    ? { name: reward.name, description: reward.description ?? '', points_cost: reward.points_cost, stock: reward.stock, per_member_limit: reward.per_member_limit, tiers: reward.tiers ?? [], window: reward.starts_at || reward.ends_at ? [reward.starts_at ? dayjs(reward.starts_at) : null, reward.ends_at ? dayjs(reward.ends_at) : null] : null, active: reward.active }
    : { points_cost: 100, tiers: [], active: true };
  const submit = async (v: RewardValues) => {
    setSaving(true);
    setError(null);
    try {
      const body = {
        name: v.name.trim(), description: v.description?.trim() || null, points_cost: v.points_cost, stock: v.stock ?? null, per_member_limit: v.per_member_limit ?? null, tiers: v.tiers ?? [],
        starts_at: v.window?.[0]?.toISOString() ?? null, ends_at: v.window?.[1]?.toISOString() ?? null, active: v.active,
      };
      if (reward) await api('patch', '/api/loyalty/rewards/{id}', { path: { id: reward.id }, body });
      else await api('post', '/api/loyalty/rewards', { body });
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open width={620} title={reward ? `${t('lf.rewardEdit')} · ${reward.name}` : t('lf.rewardNew')} onCancel={onClose} onOk={() => form.submit()} okText={t('common.save')} cancelText={t('common.cancel')} confirmLoading={saving} okButtonProps={{ 'data-testid': 'reward-submit' }} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={initial} onFinish={submit}>
        <Form.Item name="name" label={t('common.name')} rules={[req(t), { whitespace: true, message: t('form.required') }, { max: 200 }]}><Input data-testid="reward-name" /></Form.Item>
        <Form.Item name="description" label={t('common.description')} rules={[{ max: 2000 }]}><Input.TextArea rows={2} /></Form.Item>
        <Row gutter={12}>
          <Col span={8}><Form.Item name="points_cost" label={t('loyalty.pointsCost')} rules={[req(t)]}><InputNumber min={0} precision={0} style={{ width: '100%' }} data-testid="reward-cost" /></Form.Item></Col>
          <Col span={8}><Form.Item name="stock" label={t('loyalty.stock')} extra={t('lf.emptyUnlimited')}><InputNumber min={0} precision={0} style={{ width: '100%' }} placeholder="∞" /></Form.Item></Col>
          <Col span={8}><Form.Item name="per_member_limit" label={t('coupons.perMember')} extra={t('lf.emptyUnlimited')}><InputNumber min={1} precision={0} style={{ width: '100%' }} placeholder="∞" /></Form.Item></Col>
        </Row>
        <Form.Item name="tiers" label={t('loyalty.tiers')} extra={t('lf.rewardTiersHint')}><Select mode="multiple" options={tiers.map((c) => ({ value: c, label: c }))} /></Form.Item>
        <Form.Item
          name="window"
          label={t('loyalty.window')}
          rules={[{ validator: async (_, w: RewardValues['window']) => { if (w?.[0] && w[1] && !w[1].isAfter(w[0])) throw new Error(t('lf.windowOrder')); } }]}
        >
          <DatePicker.RangePicker showTime allowEmpty={[true, true]} style={{ width: '100%' }} />
        </Form.Item>
        <Form.Item name="active" label={t('loyalty.active')} valuePropName="checked"><Switch /></Form.Item>
        {error ? <ErrorAlert error={error} /> : null}
      </Form>
    </Modal>
  );
}

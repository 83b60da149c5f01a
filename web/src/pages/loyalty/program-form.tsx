// The loyalty program form: tiers with thresholds and benefits, qualifying basis, downgrade, order and event earn
// rules, points expiry — validated in the form before the API checks it again.
import { useState } from 'react';
import { App, Button, Card, Col, Divider, Form, Input, InputNumber, Row, Select, Space, Switch } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { ErrorAlert } from '../../components/state';
import { RemoveCol, req, useCouponOptions } from './form-kit';
import { SLUG, formToProgram, programToForm, type EventRow, type Obj, type ProgramFormValues, type TierRow } from './form-values';

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
                    <RemoveCol disabled={fields.length <= 1} onClick={() => remove(f.name)} />
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
                  <RemoveCol onClick={() => remove(f.name)} />
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

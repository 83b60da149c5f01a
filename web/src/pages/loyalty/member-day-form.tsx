// The member day form: weekly / monthly / month-end rules, skipped and extra dates, and the member day coupon.
import { useState } from 'react';
import { App, Button, Col, Form, Row, Select, Space, Switch } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { ErrorAlert } from '../../components/state';
import { RemoveCol, useCouponOptions } from './form-kit';
import { obj, type Obj } from './form-values';

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
                <RemoveCol onClick={() => remove(f.name)} />
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

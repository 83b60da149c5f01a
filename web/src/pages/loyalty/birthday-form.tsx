// The birthday gift form: the window around the birthday, 29 February, and the default gift.
import { useState } from 'react';
import { App, Button, Col, Form, InputNumber, Radio, Row, Select, Switch } from 'antd';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { ErrorAlert } from '../../components/state';
import { req, useCouponOptions } from './form-kit';
import { obj, type Obj } from './form-values';

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

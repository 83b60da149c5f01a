// The reward form (a modal): points cost, stock, per-member limit, tiers and redemption window.
import { useState } from 'react';
import { Col, DatePicker, Form, Input, InputNumber, Modal, Row, Select, Switch } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { api } from '../../api/client';
import type { Reward } from '../../api/types';
import { useI18n } from '../../i18n';
import { ErrorAlert } from '../../components/state';
import { req } from './form-kit';

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

// The broadcast form's fields (create and edit a draft) and the segments, templates and channels they offer.
import { Col, DatePicker, Form, Input, InputNumber, Radio, Row, Select, Space, TimePicker, Typography, type FormInstance } from 'antd';
import type { Dayjs } from 'dayjs';
import { api } from '../../api/client';
import type { MessageTemplate, MessagingChannel, Segment } from '../../api/types';
import { useI18n } from '../../i18n';
import { useLoad } from '../../components/state';
import type { CreateValues } from './broadcast-values';

interface FormOptions { segments: Segment[]; templates: MessageTemplate[]; channels: MessagingChannel[] }

export function useFormOptions() {
  return useLoad(async (signal): Promise<FormOptions> => {
    const [segments, templates, channels] = await Promise.all([
      api('get', '/api/segments', { signal }),
      api('get', '/api/templates', { query: { limit: 200 }, signal }),
      api('get', '/api/messaging/channels', { signal }),
    ]);
    return { segments: segments.data, templates: templates.data, channels: channels.data };
  }, []);
}

/** Channel id → "name · type" for broadcast lists and details (the broadcast itself carries only id and type). */
export function useChannelLabels(): (id: string | null | undefined, type: string | null | undefined) => string {
  const channels = useLoad((signal) => api('get', '/api/messaging/channels', { signal }), []);
  return (id, type) => {
    const c = channels.data?.data.find((x) => x.id === id);
    return c ? `${c.name} · ${c.type}` : type ?? '—';
  };
}

/** Name, audience, template, channel, purpose, holdout, rate and schedule: validated before submit. */
export function BroadcastFields({ form, options, loading }: { form: FormInstance<CreateValues>; options?: FormOptions; loading: boolean }) {
  const { t, num } = useI18n();
  const when = Form.useWatch('when', form);
  const segmentId = Form.useWatch('segment', form);
  const holdout = Form.useWatch('holdout', form) ?? 0;
  const chosen = options?.segments.find((s) => s.id === segmentId);
  return (
    <>
      <Form.Item name="name" label={t('common.name')} rules={[{ required: true, whitespace: true, message: t('form.required') }, { max: 200 }]}>
        <Input data-testid="broadcast-name" />
      </Form.Item>
      <Form.Item name="segment" label={t('broadcasts.segment')} rules={[{ required: true, message: t('form.required') }]} extra={chosen ? t('broadcasts.segmentSize').replace('{n}', num(chosen.member_count ?? 0)) : undefined}>
        <Select data-testid="broadcast-segment" showSearch optionFilterProp="label" loading={loading} options={(options?.segments ?? []).map((s) => ({ value: s.id, label: s.name }))} />
      </Form.Item>
      <Row gutter={12}>
        <Col span={12}>
          <Form.Item name="template" label={t('broadcasts.template')} rules={[{ required: true, message: t('form.required') }]}>
            <Select data-testid="broadcast-template" showSearch optionFilterProp="label" loading={loading} options={(options?.templates ?? []).map((x) => ({ value: x.id, label: `${x.name} (${x.channels.join(', ')})` }))} />
          </Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="channel" label={t('broadcasts.channel')} rules={[{ required: true, message: t('form.required') }]}>
            <Select data-testid="broadcast-channel" loading={loading} options={(options?.channels ?? []).map((c) => ({ value: c.id, label: `${c.name} · ${c.type}` }))} />
          </Form.Item>
        </Col>
      </Row>
      <Row gutter={12}>
        <Col span={8}>
          <Form.Item name="purpose" label={t('broadcasts.purpose')}>
            <Radio.Group optionType="button" options={[{ value: 'marketing', label: t('broadcasts.purpose.marketing') }, { value: 'service', label: t('broadcasts.purpose.service') }]} />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="holdout" label={t('broadcasts.holdout')} extra={chosen ? t('broadcasts.holdoutSize').replace('{n}', num(Math.round(((chosen.member_count ?? 0) * holdout) / 100))) : t('broadcasts.holdoutHint')}>
            <InputNumber min={0} max={90} suffix="%" style={{ width: '100%' }} data-testid="broadcast-holdout" />
          </Form.Item>
        </Col>
        <Col span={8}>
          <Form.Item name="rate" label={t('broadcasts.rate')} extra={t('broadcasts.rateHint')}>
            <InputNumber min={1} max={1_000_000} suffix={t('broadcasts.perSecond')} style={{ width: '100%' }} />
          </Form.Item>
        </Col>
      </Row>
      <Form.Item name="when" label={t('broadcasts.schedule')}>
        <Radio.Group data-testid="broadcast-when" options={[{ value: 'now', label: t('broadcasts.when.now') }, { value: 'at', label: t('broadcasts.when.at') }, { value: 'local_time', label: t('broadcasts.when.local') }]} />
      </Form.Item>
      {when === 'at' && (
        <Form.Item name="at" rules={[{ required: true, message: t('form.required') }, { validator: async (_, v?: Dayjs) => { if (v && v.valueOf() < Date.now()) throw new Error(t('broadcasts.inPast')); } }]}>
          <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" />
        </Form.Item>
      )}
      {when === 'local_time' && (
        <Space align="start">
          <Form.Item name="date" rules={[{ required: true, message: t('form.required') }]}><DatePicker /></Form.Item>
          <Form.Item name="time" rules={[{ required: true, message: t('form.required') }]}><TimePicker format="HH:mm" /></Form.Item>
          <Typography.Text type="secondary" style={{ lineHeight: '32px' }}>{t('broadcasts.localHint')}</Typography.Text>
        </Space>
      )}
    </>
  );
}

// Settings → consent and guard rails (/api/consent/guard): the default per purpose and channel when a member has made
// no statement (opt-in / opt-out), frequency caps, quiet hours, the dedupe window and unsubscribe reply keywords.
import { useState } from 'react';
import { App, Button, Card, Col, Form, Input, InputNumber, Row, Select, Space, Switch, Table, Typography } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { api } from '../../api/client';
import type { GuardCap, GuardConfig, GuardPolicy } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { PageHead } from '../../components/forms';

const CONSENT_CHANNELS = ['sms', 'email', 'wecom', 'wechat_oa', 'miniprogram', 'app_push', 'webhook'] as const;
const PURPOSES = ['marketing', 'service'] as const;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

interface GuardForm {
  policy: Record<string, Record<string, GuardPolicy>>;
  caps: GuardCap[];
  quiet_on: boolean;
  quiet_start: string;
  quiet_end: string;
  quiet_purposes: Array<'marketing' | 'service'>;
  dedupe_window_hours: number;
  exact: string[];
  contains: string[];
}

function toForm(g: GuardConfig): GuardForm {
  return {
    policy: Object.fromEntries(CONSENT_CHANNELS.map((c) => [c, { marketing: g.default_policy.marketing[c], service: g.default_policy.service[c] }])),
    caps: g.caps,
    quiet_on: g.quiet_hours !== null,
    quiet_start: g.quiet_hours?.start ?? '21:00',
    quiet_end: g.quiet_hours?.end ?? '09:00',
    quiet_purposes: g.quiet_hours?.purposes ?? ['marketing'],
    dedupe_window_hours: g.dedupe_window_hours,
    exact: g.keywords.exact,
    contains: g.keywords.contains,
  };
}

export function Consent() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const guard = useLoad((signal) => api('get', '/api/consent/guard', { signal }), []);
  const channels = useLoad(async (signal) => (await api('get', '/api/messaging/channels', { signal })).data, []);
  const [form] = Form.useForm<GuardForm>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const quietOn = Form.useWatch('quiet_on', form);
  const submit = async (v: GuardForm) => {
    setSaving(true);
    setError(null);
    try {
      const per = (p: 'marketing' | 'service') => Object.fromEntries(CONSENT_CHANNELS.map((c) => [c, v.policy[c][p]]));
      await api('put', '/api/consent/guard', {
        body: {
          default_policy: { marketing: per('marketing'), service: per('service') },
          caps: v.caps.map((c) => ({ scope: c.scope, period: c.period, limit: c.limit, purposes: c.purposes })),
          quiet_hours: v.quiet_on ? { start: v.quiet_start, end: v.quiet_end, purposes: v.quiet_purposes } : null,
          dedupe_window_hours: v.dedupe_window_hours,
          keywords: { exact: v.exact, contains: v.contains },
        } as never,
      });
      message.success(t('common.saved'));
      guard.reload();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  const scopes = [
    { value: 'all', label: t('consent.scopeAll') },
    ...CONSENT_CHANNELS.map((c) => ({ value: c, label: t(`settings.type.${c}` as 'settings.type.webhook') })),
    ...(channels.data ?? []).map((c) => ({ value: c.id, label: `${c.name} (${c.id})` })),
  ];
  const purposeOptions = PURPOSES.map((p) => ({ value: p, label: t(`consent.purpose.${p}`) }));
  const policyOptions = [{ value: 'opt_in', label: t('consent.optIn') }, { value: 'opt_out', label: t('consent.optOut') }];
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageHead title="consent.title" sub={t('consent.hint')} />
      <Async state={guard}>
        {(g) => (
          <Form form={form} layout="vertical" initialValues={toForm(g)} onFinish={submit} data-testid="guard-form">
            <Space direction="vertical" size="middle" style={{ width: '100%' }}>
              <Card title={t('consent.defaults')} size="small">
                <Typography.Paragraph type="secondary">{t('consent.defaultsHint')}</Typography.Paragraph>
                <Table
                  size="small"
                  pagination={false}
                  rowKey="c"
                  dataSource={CONSENT_CHANNELS.map((c) => ({ c }))}
                  columns={[
                    { title: t('consent.channel'), dataIndex: 'c', render: (c: string) => t(`settings.type.${c}` as 'settings.type.webhook') },
                    ...PURPOSES.map((p) => ({
                      title: t(`consent.purpose.${p}`),
                      render: (_: unknown, r: { c: string }) => (
                        <Form.Item name={['policy', r.c, p]} noStyle>
                          <Select size="small" style={{ width: 180 }} options={policyOptions} data-testid={`policy-${p}-${r.c}`} />
                        </Form.Item>
                      ),
                    })),
                  ]}
                />
              </Card>
              <Card title={t('consent.caps')} size="small">
                <Typography.Paragraph type="secondary">{t('consent.capsHint')}</Typography.Paragraph>
                <Form.List name="caps">
                  {(fields, { add, remove }) => (
                    <>
                      {fields.map((f) => (
                        <Row key={f.key} gutter={8} align="middle">
                          <Col span={7}>
                            <Form.Item name={[f.name, 'scope']} label={t('consent.scope')} rules={[{ required: true, message: t('form.required') }]}>
                              <Select options={scopes} showSearch />
                            </Form.Item>
                          </Col>
                          <Col span={4}>
                            <Form.Item name={[f.name, 'period']} label={t('consent.period')} rules={[{ required: true, message: t('form.required') }]}>
                              <Select options={(['day', 'week', 'month'] as const).map((p) => ({ value: p, label: t(`consent.period.${p}`) }))} />
                            </Form.Item>
                          </Col>
                          <Col span={4}>
                            <Form.Item name={[f.name, 'limit']} label={t('consent.limit')} rules={[{ required: true, message: t('form.required') }]}>
                              <InputNumber min={1} max={1000} precision={0} style={{ width: '100%' }} />
                            </Form.Item>
                          </Col>
                          <Col span={7}>
                            <Form.Item name={[f.name, 'purposes']} label={t('consent.purposes')} rules={[{ required: true, type: 'array', min: 1, message: t('form.required') }]}>
                              <Select mode="multiple" options={purposeOptions} />
                            </Form.Item>
                          </Col>
                          <Col span={2}>
                            <Button type="text" icon={<MinusCircleOutlined />} aria-label={t('common.remove')} onClick={() => remove(f.name)} />
                          </Col>
                        </Row>
                      ))}
                      <Button icon={<PlusOutlined />} onClick={() => add({ scope: 'all', period: 'day', limit: 1, purposes: ['marketing'] })}>{t('consent.addCap')}</Button>
                    </>
                  )}
                </Form.List>
              </Card>
              <Card title={t('consent.quiet')} size="small">
                <Row gutter={12}>
                  <Col span={4}>
                    <Form.Item name="quiet_on" label={t('settings.enabled')} valuePropName="checked"><Switch data-testid="quiet-on" /></Form.Item>
                  </Col>
                  <Col span={5}>
                    <Form.Item name="quiet_start" label={t('consent.quietStart')} rules={quietOn ? [{ required: true, pattern: HHMM, message: t('consent.hhmm') }] : []}>
                      <Input disabled={!quietOn} placeholder="21:00" />
                    </Form.Item>
                  </Col>
                  <Col span={5}>
                    <Form.Item
                      name="quiet_end"
                      label={t('consent.quietEnd')}
                      dependencies={['quiet_start']}
                      rules={quietOn ? [
                        { required: true, pattern: HHMM, message: t('consent.hhmm') },
                        ({ getFieldValue }) => ({ validator: async (_, v) => { if (v && v === getFieldValue('quiet_start')) throw new Error(t('consent.quietSame')); } }),
                      ] : []}
                    >
                      <Input disabled={!quietOn} placeholder="09:00" />
                    </Form.Item>
                  </Col>
                  <Col span={10}>
                    <Form.Item name="quiet_purposes" label={t('consent.purposes')} rules={quietOn ? [{ required: true, type: 'array', min: 1, message: t('form.required') }] : []}>
                      <Select mode="multiple" disabled={!quietOn} options={purposeOptions} />
                    </Form.Item>
                  </Col>
                </Row>
                <Typography.Text type="secondary">{t('consent.quietHint')}</Typography.Text>
              </Card>
              <Card title={t('consent.other')} size="small">
                <Row gutter={12}>
                  <Col span={6}>
                    <Form.Item name="dedupe_window_hours" label={t('consent.dedupe')} extra={t('consent.dedupeHint')} rules={[{ required: true, message: t('form.required') }]}>
                      <InputNumber min={0} max={2160} suffix="h" style={{ width: '100%' }} data-testid="dedupe-hours" />
                    </Form.Item>
                  </Col>
                  <Col span={9}>
                    <Form.Item name="exact" label={t('consent.keywordsExact')}>
                      <Select mode="tags" tokenSeparators={[',', '，']} />
                    </Form.Item>
                  </Col>
                  <Col span={9}>
                    <Form.Item name="contains" label={t('consent.keywordsContains')}>
                      <Select mode="tags" tokenSeparators={[',', '，']} />
                    </Form.Item>
                  </Col>
                </Row>
              </Card>
              {error ? <ErrorAlert error={error} /> : null}
              <Button type="primary" htmlType="submit" loading={saving} data-testid="guard-save">{t('common.save')}</Button>
            </Space>
          </Form>
        )}
      </Async>
    </Space>
  );
}

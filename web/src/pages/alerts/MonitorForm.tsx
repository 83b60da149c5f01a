// The monitor create/edit form (a modal): metric and its event, granularity (按天 / 按小时), static or anomaly rule
// with severity bands, volume and recovery, schedule, recipients (staff, console users and emails) and notification
// channels. Staff and users lists the signed-in principal may not read (403) leave their select empty.
import { useState } from 'react';
import { Col, Form, Input, InputNumber, Modal, Radio, Row, Select, Switch } from 'antd';
import { api, ApiError } from '../../api/client';
import { useI18n } from '../../i18n';
import { ErrorAlert, useLoad } from '../../components/state';
import { useAt } from './strings';
import type { Granularity, MetricDef, Monitor, Recipient, Rule } from './types';

/** The server's default schedules: daily monitors at 09:05, hourly ones 5 minutes past every hour. */
const DEFAULT_SCHEDULE: Record<Granularity, string> = { day: '5 9 * * *', hour: '5 * * * *' };

interface Values {
  name: string;
  description?: string;
  metric: string;
  event?: string;
  granularity: Granularity;
  type: 'static' | 'anomaly';
  op: 'above' | 'below';
  direction: 'up' | 'down' | 'both';
  info?: number | null;
  warning?: number | null;
  critical?: number | null;
  periods: number;
  weeks: number;
  min_volume: number;
  recovery_periods: number;
  cooldown_minutes: number;
  schedule?: string;
  staff: string[];
  users: string[];
  emails: string[];
  channels: string[];
  enabled: boolean;
}

const bandsOf = (v: Values, keys: Array<'info' | 'warning' | 'critical'>) =>
  Object.fromEntries(keys.flatMap((k) => (v[k] === null || v[k] === undefined ? [] : [[k, v[k]]])));

/** The recipients of the form's values; recipients as they were (names, phones) are kept, and so are the ones the form does not show. */
function recipientsOf(v: Values, was: Recipient[]): Recipient[] {
  const kept = (made: Recipient, same: (r: Recipient) => boolean) => was.find(same) ?? made;
  return [
    ...(v.staff ?? []).map((staff) => kept({ staff }, (r) => r.staff === staff)),
    ...(v.users ?? []).map((user) => kept({ user }, (r) => r.user === user)),
    ...(v.emails ?? []).map((email) => kept({ name: email.split('@')[0], email }, (r) => !r.staff && !r.user && r.email === email)),
    ...was.filter((r) => !r.staff && !r.user && !r.email),
  ];
}

/** The API body of the form's values (`was`: the recipients of the monitor being edited). */
export function monitorBody(v: Values, was: Recipient[] = []) {
  const rule: Rule = v.type === 'static'
    ? { type: 'static', op: v.op, thresholds: bandsOf(v, ['info', 'warning', 'critical']), periods: v.periods, min_volume: v.min_volume }
    : { type: 'anomaly', direction: v.direction, weeks: v.weeks, bands: bandsOf(v, ['warning', 'critical']), min_volume: v.min_volume };
  const recipients = recipientsOf(v, was);
  return {
    name: v.name, description: v.description || null, metric: v.metric, params: v.event ? { event: v.event } : {}, rule, granularity: v.granularity,
    recovery_periods: v.recovery_periods, cooldown_minutes: v.cooldown_minutes, schedule: v.schedule?.trim() ? v.schedule.trim() : null,
    recipients, channels: v.channels, enabled: v.enabled,
  };
}

/** The form field an API error names: `recipients.<i>.staff|user` are the staff and users selects. */
function fieldOf(apiField: string): keyof Values {
  const f = apiField.replace(/^body\./, '');
  const kind = /^recipients\.\d+\.(staff|user)$/.exec(f)?.[1];
  return kind ? (kind === 'user' ? 'users' : 'staff') : (f.split('.')[0] as keyof Values);
}

function initial(m: Monitor | null): Partial<Values> {
  if (!m) return { granularity: 'day', type: 'anomaly', op: 'above', direction: 'up', warning: 3, critical: 5, periods: 1, weeks: 6, min_volume: 0, recovery_periods: 1, cooldown_minutes: 360, schedule: '5 9 * * *', staff: [], users: [], emails: [], channels: [], enabled: true };
  const r = m.rule;
  const bands = r.type === 'static' ? r.thresholds : r.bands ?? {};
  return {
    name: m.name, description: m.description ?? undefined, metric: m.metric, event: typeof m.params.event === 'string' ? m.params.event : undefined, granularity: m.granularity ?? 'day',
    type: r.type, op: r.type === 'static' ? r.op : 'above', direction: r.type === 'anomaly' ? r.direction ?? 'both' : 'up',
    info: bands.info ?? null, warning: bands.warning ?? null, critical: bands.critical ?? null,
    periods: r.type === 'static' ? r.periods ?? 1 : 1, weeks: r.type === 'anomaly' ? r.weeks ?? 6 : 6, min_volume: r.min_volume ?? 0,
    recovery_periods: m.recovery_periods, cooldown_minutes: m.cooldown_minutes, schedule: m.schedule ?? '',
    staff: m.recipients.flatMap((x) => (x.staff ? [x.staff] : [])), users: m.recipients.flatMap((x) => (x.user ? [x.user] : [])),
    emails: m.recipients.flatMap((x) => (!x.staff && !x.user && x.email ? [x.email] : [])),
    channels: m.channels, enabled: m.enabled,
  };
}

export function MonitorForm({ monitor, onClose, onSaved }: { monitor: Monitor | null; onClose(): void; onSaved(): void }) {
  const at = useAt();
  const { lang } = useI18n();
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const options = useLoad(async (signal) => {
    const [metrics, staff, users, channels] = await Promise.all([
      api('get', '/api/alerts/metrics', { signal }) as unknown as Promise<{ data: MetricDef[] }>,
      (api('get', '/api/staff', { signal }) as unknown as Promise<{ data: Array<{ id: string; name: string; userid: string | null }> }>).catch(() => ({ data: [] })),
      api('get', '/api/alerts/recipients/users', { signal }).catch(() => ({ data: [] })),
      api('get', '/api/messaging/channels', { signal }).catch(() => ({ data: [] })),
    ]);
    return { metrics: metrics.data, staff: staff.data, users: users.data, channels: channels.data };
  }, []);
  const metric = Form.useWatch('metric', form);
  const type = Form.useWatch('type', form);
  const granularity = Form.useWatch('granularity', form) ?? 'day';
  const def = options.data?.metrics.find((m) => m.id === metric);
  const hourly = !def || def.granularities.includes('hour');
  // A schedule still at one granularity's default follows a change to the other's; a daily-only metric goes back to days.
  const onChange = (changed: Partial<Values>, all: Values) => {
    if (changed.granularity) {
      const other = DEFAULT_SCHEDULE[changed.granularity === 'hour' ? 'day' : 'hour'];
      if (!all.schedule?.trim() || all.schedule.trim() === other) form.setFieldValue('schedule', DEFAULT_SCHEDULE[changed.granularity]);
    }
    const next = changed.metric ? options.data?.metrics.find((m) => m.id === changed.metric) : undefined;
    if (next && all.granularity === 'hour' && !next.granularities.includes('hour')) {
      form.setFieldValue('granularity', 'day');
      onChange({ granularity: 'day' }, { ...all, granularity: 'day' });
    }
  };
  const save = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return; // the form shows what is missing
    const body = monitorBody(v, monitor?.recipients);
    if (Object.keys(body.rule.type === 'static' ? body.rule.thresholds : body.rule.bands ?? {}).length === 0) {
      form.setFields([{ name: 'warning', errors: [at('monitor.bandRequired')] }]);
      return;
    }
    setSaving(true);
    setError(null);
    try {
      if (monitor) await api('patch', '/api/alerts/monitors/{id}', { path: { id: monitor.id }, body: body as never });
      else await api('post', '/api/alerts/monitors', { body: body as never });
      onSaved();
    } catch (e) {
      setError(e);
      if (e instanceof ApiError && e.field) form.setFields([{ name: fieldOf(e.field), errors: [e.message] }]);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Modal open width={760} title={at(monitor ? 'monitor.edit' : 'monitor.new')} onCancel={onClose} onOk={save} confirmLoading={saving} okButtonProps={{ 'data-testid': 'monitor-save' }}>
      {error ? <ErrorAlert error={error} compact /> : null}
      <Form form={form} layout="vertical" initialValues={initial(monitor)} onValuesChange={onChange} data-testid="monitor-form" style={{ marginTop: 12 }}>
        <Row gutter={12}>
          <Col span={12}><Form.Item name="name" label={at('monitor.name')} rules={[{ required: true, whitespace: true }]}><Input data-testid="monitor-name" /></Form.Item></Col>
          <Col span={12}>
            <Form.Item name="metric" label={at('metric')} rules={[{ required: true }]}>
              <Select data-testid="monitor-metric" loading={options.loading} options={(options.data?.metrics ?? []).map((m) => ({ value: m.id, label: lang === 'en' ? m.name_en : m.name_zh }))} />
            </Form.Item>
          </Col>
        </Row>
        {def?.params.includes('event') && (
          <Form.Item name="event" label={at('monitor.event')} extra={at('monitor.eventHint')} rules={[{ required: def.required?.includes('event'), whitespace: true }]}>
            <Input data-testid="monitor-event" />
          </Form.Item>
        )}
        <Form.Item name="description" label={at('monitor.description')}><Input /></Form.Item>
        <Form.Item name="granularity" label={at('monitor.granularity')} extra={at('monitor.granularityHint')}>
          <Radio.Group
            optionType="button"
            data-testid="monitor-granularity"
            options={[{ value: 'day', label: at('granularity.day') }, { value: 'hour', label: at('granularity.hour'), disabled: !hourly }]}
          />
        </Form.Item>
        <Form.Item name="type" label={at('monitor.ruleType')}>
          <Radio.Group optionType="button" options={[{ value: 'anomaly', label: at('monitor.anomaly') }, { value: 'static', label: at('monitor.static') }]} />
        </Form.Item>
        {type === 'static' ? (
          <Row gutter={12}>
            <Col span={6}><Form.Item name="op" label={at('monitor.op')}><Select options={[{ value: 'above', label: at('monitor.above') }, { value: 'below', label: at('monitor.below') }]} /></Form.Item></Col>
            <Col span={12}>
              <Form.Item label={at('monitor.bandsStatic')}>
                <Row gutter={6}>
                  {(['info', 'warning', 'critical'] as const).map((k) => <Col span={8} key={k}><Form.Item name={k} noStyle><InputNumber style={{ width: '100%' }} placeholder={at(`severity.${k}`)} /></Form.Item></Col>)}
                </Row>
              </Form.Item>
            </Col>
            <Col span={6}><Form.Item name="periods" label={at('monitor.periods')}><InputNumber min={1} max={30} style={{ width: '100%' }} /></Form.Item></Col>
          </Row>
        ) : (
          <Row gutter={12}>
            <Col span={8}><Form.Item name="direction" label={at('monitor.direction')}><Select options={(['up', 'down', 'both'] as const).map((d) => ({ value: d, label: at(`monitor.${d}`) }))} /></Form.Item></Col>
            <Col span={10}>
              <Form.Item label={at('monitor.bandsZ')}>
                <Row gutter={6}>
                  {(['warning', 'critical'] as const).map((k) => <Col span={12} key={k}><Form.Item name={k} noStyle><InputNumber min={0.1} style={{ width: '100%' }} placeholder={at(`severity.${k}`)} /></Form.Item></Col>)}
                </Row>
              </Form.Item>
            </Col>
            <Col span={6}><Form.Item name="weeks" label={at('monitor.weeks')}><InputNumber min={2} max={26} style={{ width: '100%' }} /></Form.Item></Col>
          </Row>
        )}
        <Row gutter={12}>
          <Col span={6}><Form.Item name="min_volume" label={at('monitor.minVolume')}><InputNumber min={0} style={{ width: '100%' }} /></Form.Item></Col>
          <Col span={6}><Form.Item name="recovery_periods" label={at('monitor.recovery')}><InputNumber min={1} max={30} style={{ width: '100%' }} /></Form.Item></Col>
          <Col span={6}><Form.Item name="cooldown_minutes" label={at('monitor.cooldown')}><InputNumber min={0} max={10080} style={{ width: '100%' }} /></Form.Item></Col>
          <Col span={6}><Form.Item name="enabled" label={at('monitor.enabled')} valuePropName="checked"><Switch /></Form.Item></Col>
        </Row>
        <Form.Item name="schedule" label={at('monitor.schedule')} extra={at('monitor.scheduleHint')}><Input placeholder={DEFAULT_SCHEDULE[granularity as Granularity]} data-testid="monitor-schedule" /></Form.Item>
        <Row gutter={12}>
          <Col span={8}>
            <Form.Item name="staff" label={at('monitor.staff')}>
              <Select mode="multiple" optionFilterProp="label" options={(options.data?.staff ?? []).map((s) => ({ value: s.userid ?? s.id, label: s.name }))} />
            </Form.Item>
          </Col>
          <Col span={8}>
            <Form.Item name="users" label={at('monitor.users')} extra={at('monitor.usersHint')}>
              <Select
                mode="multiple"
                optionFilterProp="label"
                data-testid="monitor-users"
                options={(options.data?.users ?? []).map((u) => ({ value: u.username, label: u.display_name ? `${u.display_name} (${u.username})` : u.username, disabled: u.disabled || !u.has_email }))}
              />
            </Form.Item>
          </Col>
          <Col span={8}><Form.Item name="emails" label={at('monitor.emails')}><Select mode="tags" tokenSeparators={[',', ' ']} /></Form.Item></Col>
        </Row>
        <Form.Item name="channels" label={at('monitor.channels')}>
          <Select mode="multiple" options={(options.data?.channels ?? []).map((c) => ({ value: c.id, label: `${c.name} (${c.type})` }))} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

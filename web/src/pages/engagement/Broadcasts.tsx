// Broadcasts: the list with live progress (polled while any is scheduled or running; status filter in the URL), the
// create form (segment, template, channel, holdout, schedule now / at / members' local time, rate; validated before
// submit, then scheduled, or kept as a draft), and a broadcast's page with its progress, the campaign report with
// holdout lift, a test send to chosen members, and (for a draft) editing and scheduling.
import { useEffect, useState } from 'react';
import { App, Button, Card, Col, DatePicker, Descriptions, Form, Input, InputNumber, Modal, Progress, Radio, Row, Segmented, Select, Space, Statistic, Table, Tag, TimePicker, Typography, type FormInstance } from 'antd';
import { EditOutlined, ExperimentOutlined, PlusOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../../api/client';
import type { Broadcast, BroadcastProgress, BroadcastSchedule, CampaignReport, Interval, MessageTemplate, MessagingChannel, Segment } from '../../api/types';
import { useJt } from './journey-strings';
import { useI18n } from '../../i18n';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { PageHead, useMemberOptions } from '../../components/forms';
import { pct } from '../../format';
import { useAuth } from '../../auth';

const STATUSES = ['draft', 'scheduled', 'running', 'completed', 'cancelled', 'failed'] as const;
const STATUS_COLOR: Record<string, string> = { draft: 'default', scheduled: 'blue', running: 'processing', completed: 'green', cancelled: 'orange', failed: 'red' };
const LIVE = new Set(['scheduled', 'running']);

/** Reloads every `ms` while `active`. */
function usePoll(active: boolean, reload: () => void, ms = 2000) {
  useEffect(() => {
    if (!active) return;
    const id = setInterval(reload, ms);
    return () => clearInterval(id);
  }, [active, reload, ms]);
}

export function StatusTag({ status }: { status: string }) {
  const { t } = useI18n();
  return <Tag color={STATUS_COLOR[status]} data-testid="broadcast-status">{t(`broadcasts.status.${status}` as 'broadcasts.status.draft')}</Tag>;
}

export function ProgressBar({ p }: { p?: BroadcastProgress | null }) {
  const { num } = useI18n();
  if (!p || !p.audience) return <>—</>;
  const c = p.counts;
  const done = c.sent + c.failed + c.skipped + c.holdout;
  return (
    <Progress
      size="small"
      percent={Math.round((done / p.audience) * 100)}
      success={{ percent: Math.round((c.sent / p.audience) * 100) }}
      format={() => `${num(c.sent)} / ${num(p.audience ?? 0)}`}
    />
  );
}

export function Broadcasts() {
  const { t, num, dt } = useI18n();
  const { can } = useAuth(); // actions only for who may take them (docs/permissions.md)
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const list = useLoad(async (signal) => {
    const page = await api('get', '/api/broadcasts', { query: { limit: 50, status: (status || undefined) as 'draft' | undefined }, signal });
    // Progress of each listed broadcast (counts come from chunk rows: a few rows per broadcast).
    const progress = await Promise.all(
      page.data.map((b) => (b.status === 'draft' ? Promise.resolve(null) : api('get', '/api/broadcasts/{id}/progress', { path: { id: b.id }, signal }).catch(() => null))),
    );
    return page.data.map((b, i): Broadcast => ({ ...b, progress: progress[i] ?? undefined }));
  }, [status]);
  usePoll(Boolean(list.data?.some((b) => LIVE.has(b.status))), list.reload, 3000);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageHead title="broadcasts.title" extra={can('broadcasts.write') ? <Link to="/engagement/broadcasts/new"><Button type="primary" icon={<PlusOutlined />} data-testid="broadcast-new">{t('broadcasts.new')}</Button></Link> : null} />
      <Card>
        <Segmented
          style={{ marginBottom: 16 }}
          value={status}
          onChange={(v) => setParams(v ? { status: String(v) } : {})}
          options={[{ label: t('common.all'), value: '' }, ...STATUSES.map((s) => ({ label: t(`broadcasts.status.${s}`), value: s }))]}
        />
        <Async state={list} empty={(d) => d.length === 0}>
          {(d) => (
            <Table<Broadcast>
              rowKey="id"
              data-testid="broadcasts-table"
              dataSource={d}
              columns={[
                { title: t('common.name'), dataIndex: 'name', render: (n: string, b) => <Link to={`/engagement/broadcasts/${b.id}`}>{n}</Link> },
                { title: t('common.status'), dataIndex: 'status', render: (s: string) => <StatusTag status={s} /> },
                { title: t('broadcasts.channel'), dataIndex: 'channel_type' },
                { title: t('broadcasts.audience'), dataIndex: 'audience_count', align: 'right', render: (n: number | null) => num(n) },
                { title: t('broadcasts.progress'), width: 260, render: (_, b) => <ProgressBar p={b.progress} /> },
                { title: t('common.createdAt'), dataIndex: 'created_at', render: (v: string) => dt(v) },
              ]}
            />
          )}
        </Async>
      </Card>
    </Space>
  );
}

interface CreateValues {
  name: string;
  segment: string;
  template: string;
  channel: string;
  purpose: 'marketing' | 'service';
  holdout: number;
  when: 'now' | 'at' | 'local_time';
  at?: Dayjs;
  date?: Dayjs;
  time?: Dayjs;
  rate?: number | null;
}

export function scheduleOf(v: Pick<CreateValues, 'when' | 'at' | 'date' | 'time'>): BroadcastSchedule {
  if (v.when === 'at' && v.at) return { type: 'at', at: v.at.toISOString() };
  if (v.when === 'local_time' && v.date && v.time) return { type: 'local_time', date: v.date.format('YYYY-MM-DD'), time: v.time.format('HH:mm') };
  return { type: 'now' };
}

interface FormOptions { segments: Segment[]; templates: MessageTemplate[]; channels: MessagingChannel[] }

function useFormOptions() {
  return useLoad(async (signal): Promise<FormOptions> => {
    const [segments, templates, channels] = await Promise.all([
      api('get', '/api/segments', { signal }),
      api('get', '/api/templates', { query: { limit: 200 }, signal }),
      api('get', '/api/messaging/channels', { signal }),
    ]);
    return { segments: segments.data, templates: templates.data, channels: channels.data };
  }, []);
}

/** The request body of the form's values (create and edit). */
function bodyOf(v: CreateValues) {
  return { name: v.name.trim(), segment: v.segment, template: v.template, channel: v.channel, purpose: v.purpose, holdout_share: (v.holdout ?? 0) / 100, schedule: scheduleOf(v), rate_limit_per_second: v.rate ?? null };
}

/** The form's values of a stored broadcast (editing a draft). */
function valuesOf(b: Broadcast): CreateValues {
  const s = b.schedule;
  return {
    name: b.name, segment: b.segment_id ?? '', template: b.template_id ?? '', channel: b.channel_id ?? '', purpose: (b.purpose ?? 'marketing') as 'marketing',
    holdout: Math.round((b.holdout_share ?? 0) * 1000) / 10, rate: b.rate_limit_per_second ?? null, when: s?.type ?? 'now',
    at: s?.type === 'at' ? dayjs(s.at) : undefined, date: s?.type === 'local_time' ? dayjs(s.date) : undefined, time: s?.type === 'local_time' ? dayjs(`2000-01-01T${s.time}`) : undefined,
  };
}

/** Name, audience, template, channel, purpose, holdout, rate and schedule: validated before submit. */
function BroadcastFields({ form, options, loading }: { form: FormInstance<CreateValues>; options?: FormOptions; loading: boolean }) {
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

export function BroadcastCreate() {
  const { t } = useI18n();
  const jt = useJt();
  const navigate = useNavigate();
  const [form] = Form.useForm<CreateValues>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState<'schedule' | 'draft' | null>(null);
  const [mode, setMode] = useState<'schedule' | 'draft'>('schedule');
  const options = useFormOptions();
  const submit = async (v: CreateValues) => {
    setSaving(mode);
    setError(null);
    try {
      const b = await api('post', '/api/broadcasts', { body: bodyOf(v) });
      if (mode === 'schedule') await api('post', '/api/broadcasts/{id}/schedule', { path: { id: b.id }, body: {} });
      navigate(`/engagement/broadcasts/${b.id}`);
    } catch (e) {
      setError(e);
      setSaving(null);
    }
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Link to="/engagement/broadcasts">← {t('broadcasts.title')}</Link>
      <PageHead title="broadcasts.new" />
      <Card>
        {options.error ? <ErrorAlert error={options.error} onRetry={options.reload} /> : null}
        <Form form={form} layout="vertical" onFinish={submit} style={{ maxWidth: 720 }} initialValues={{ purpose: 'marketing', holdout: 0, when: 'now' }}>
          <BroadcastFields form={form} options={options.data} loading={options.loading} />
          {error ? <div style={{ marginBottom: 12 }}><ErrorAlert error={error} /></div> : null}
          <Space>
            <Button type="primary" htmlType="submit" loading={saving === 'schedule'} onClick={() => setMode('schedule')} data-testid="broadcast-submit">{t('broadcasts.createAndSchedule')}</Button>
            <Button htmlType="submit" loading={saving === 'draft'} onClick={() => setMode('draft')} data-testid="broadcast-save-draft">{jt('bt.saveDraft')}</Button>
          </Space>
        </Form>
      </Card>
    </Space>
  );
}

/** Edits a draft broadcast (PATCH); the API refuses any other status with `broadcast.not_draft`. */
function EditDraftModal({ b, onClose, onSaved }: { b: Broadcast; onClose(): void; onSaved(): void }) {
  const jt = useJt();
  const [form] = Form.useForm<CreateValues>();
  const options = useFormOptions();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const submit = async (v: CreateValues) => {
    setSaving(true);
    setError(null);
    try {
      await api('patch', '/api/broadcasts/{id}', { path: { id: b.id }, body: bodyOf(v) });
      onSaved();
    } catch (e) {
      setError(e);
      setSaving(false);
    }
  };
  return (
    <Modal open title={jt('bt.editTitle')} width={760} onCancel={onClose} onOk={() => form.submit()} okButtonProps={{ loading: saving, ...({ 'data-testid': 'broadcast-edit-save' } as object) }} destroyOnHidden>
      {options.error ? <ErrorAlert error={options.error} onRetry={options.reload} /> : null}
      <Form form={form} layout="vertical" onFinish={submit} initialValues={valuesOf(b)}>
        <BroadcastFields form={form} options={options.data} loading={options.loading} />
        {error ? <ErrorAlert error={error} /> : null}
      </Form>
    </Modal>
  );
}

interface TestReport { sent: number; failed: number; skipped: number; skipped_by_reason: Record<string, number>; outcomes: Array<{ member_id: string; status: string; code?: string | null; reason?: string }> }

/** Sends the broadcast's template to a few chosen members now (POST /api/broadcasts/{id}/send-test). */
function SendTestModal({ id, onClose }: { id: string; onClose(): void }) {
  const jt = useJt();
  const { t } = useI18n();
  const [members, setMembers] = useState<string[]>([]);
  const [q, setQ] = useState('');
  const options = useMemberOptions(q);
  const [error, setError] = useState<unknown>(null);
  const [report, setReport] = useState<TestReport | null>(null);
  const [sending, setSending] = useState(false);
  const send = async () => {
    setSending(true);
    setError(null);
    setReport(null);
    try {
      setReport((await api('post', '/api/broadcasts/{id}/send-test', { path: { id }, body: { members } })) as TestReport);
    } catch (e) {
      setError(e);
    } finally {
      setSending(false);
    }
  };
  return (
    <Modal open title={jt('bt.sendTestTitle')} onCancel={onClose} onOk={send} okText={jt('bt.sendTest')} okButtonProps={{ loading: sending, disabled: members.length === 0, ...({ 'data-testid': 'send-test-submit' } as object) }} destroyOnHidden>
      <Typography.Paragraph type="secondary">{jt('bt.sendTestHint')}</Typography.Paragraph>
      <Form layout="vertical">
        <Form.Item label={jt('bt.testMembers')} required>
          <Select
            mode="multiple"
            data-testid="send-test-members"
            filterOption={false}
            onSearch={setQ}
            value={members}
            maxCount={20}
            onChange={(v: string[]) => setMembers(v)}
            options={options}
            placeholder={t('form.pickMember')}
          />
        </Form.Item>
      </Form>
      {error ? <ErrorAlert error={error} /> : null}
      {report ? (
        <Space direction="vertical" data-testid="send-test-result">
          <Typography.Text strong>{jt('bt.testResult', { sent: report.sent, failed: report.failed, skipped: report.skipped })}</Typography.Text>
          <Space wrap>
            {report.outcomes.filter((o) => o.status !== 'sent').map((o) => <Tag key={o.member_id} color="orange">{o.member_id}: {o.status} {o.code ?? o.reason ?? ''}</Tag>)}
          </Space>
        </Space>
      ) : null}
    </Modal>
  );
}

const isTerminal = (s?: string) => s === 'completed' || s === 'cancelled' || s === 'failed';

export function BroadcastDetail() {
  const { id = '' } = useParams();
  const { t, num, dt } = useI18n();
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const windowDays = Number(params.get('window') ?? '') || undefined;
  const b = useLoad((signal) => api('get', '/api/broadcasts/{id}', { path: { id }, signal }), [id]);
  const progress = useLoad((signal) => api('get', '/api/broadcasts/{id}/progress', { path: { id }, signal }), [id]);
  const status = progress.data?.status ?? b.data?.status;
  const reloadAll = () => {
    progress.reload();
    b.reload();
  };
  usePoll(!isTerminal(status) && status !== 'draft' && status !== undefined, reloadAll, 1500);
  const report = useLoad(
    (signal) => (b.data ? api('get', '/api/measurement/campaigns/{sourceKey}/report', { path: { sourceKey: b.data.source_key ?? `broadcast:${id}` }, query: { window_days: windowDays }, signal }) : new Promise<never>(() => undefined)),
    [b.data?.id, windowDays, status, progress.data?.counts.sent],
  );
  const jt = useJt();
  const [dialog, setDialog] = useState<'test' | 'edit' | null>(null);
  const cancel = async () => {
    try {
      await api('post', '/api/broadcasts/{id}/cancel', { path: { id } });
      reloadAll();
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const schedule = async () => {
    try {
      await api('post', '/api/broadcasts/{id}/schedule', { path: { id }, body: {} });
      reloadAll();
    } catch (e) {
      message.error(`${(e as Error).message}${e instanceof ApiError ? ` (${e.code})` : ''}`);
    }
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Link to="/engagement/broadcasts">← {t('broadcasts.title')}</Link>
      <Async state={b}>
        {(x) => (
          <Card
            title={<span data-testid="broadcast-title">{x.name}</span>}
            extra={
              <Space>
                <StatusTag status={status ?? x.status} />
                <Button icon={<ExperimentOutlined />} onClick={() => setDialog('test')} data-testid="broadcast-send-test">{jt('bt.sendTest')}</Button>
                {(status ?? x.status) === 'draft' ? <Button icon={<EditOutlined />} onClick={() => setDialog('edit')} data-testid="broadcast-edit">{jt('bt.edit')}</Button> : null}
                {(status ?? x.status) === 'draft' ? <Button type="primary" onClick={schedule} data-testid="broadcast-schedule">{jt('bt.schedule')}</Button> : null}
                {LIVE.has(status ?? '') ? <Button danger onClick={cancel}>{t('broadcasts.cancel')}</Button> : null}
              </Space>
            }
          >
            {dialog === 'test' ? <SendTestModal id={x.id} onClose={() => setDialog(null)} /> : null}
            {dialog === 'edit' ? <EditDraftModal b={x} onClose={() => setDialog(null)} onSaved={() => { setDialog(null); reloadAll(); }} /> : null}
            <Descriptions size="small" column={3}>
              <Descriptions.Item label={t('broadcasts.channel')}>{x.channel_type}</Descriptions.Item>
              <Descriptions.Item label={t('broadcasts.purpose')}>{t(`broadcasts.purpose.${x.purpose ?? 'marketing'}` as 'broadcasts.purpose.marketing')}</Descriptions.Item>
              <Descriptions.Item label={t('broadcasts.holdout')}>{pct(x.holdout_share ?? 0, num)}</Descriptions.Item>
              <Descriptions.Item label={t('broadcasts.schedule')}>{scheduleText(x.schedule, t, dt)}</Descriptions.Item>
              <Descriptions.Item label={t('broadcasts.rate')}>{x.rate_limit_per_second ? `${num(x.rate_limit_per_second)} ${t('broadcasts.perSecond')}` : t('broadcasts.noRate')}</Descriptions.Item>
              <Descriptions.Item label={t('broadcasts.templateVersion')}>{x.template_version ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('broadcasts.startedAt')}>{dt(x.started_at)}</Descriptions.Item>
              <Descriptions.Item label={t('broadcasts.finishedAt')}>{dt(x.finished_at)}</Descriptions.Item>
              <Descriptions.Item label={t('broadcasts.sourceKey')}><code>{x.source_key}</code></Descriptions.Item>
            </Descriptions>
            {x.error ? <ErrorAlert error={new ApiError(422, x.error.code, x.error.message)} /> : null}
          </Card>
        )}
      </Async>
      <Card title={t('broadcasts.progress')}>
        <Async state={progress}>
          {(p) => (
            <Space direction="vertical" style={{ width: '100%' }}>
              <ProgressBar p={p} />
              <Row gutter={16}>
                <Col span={4}><Statistic title={t('broadcasts.audience')} value={p.audience ?? 0} /></Col>
                <Col span={4}><Statistic title={t('broadcasts.c.sent')} value={p.counts.sent} valueStyle={{ color: '#1f7a5c' }} /></Col>
                <Col span={4}><Statistic title={t('broadcasts.c.pending')} value={p.counts.pending} /></Col>
                <Col span={4}><Statistic title={t('broadcasts.c.failed')} value={p.counts.failed} /></Col>
                <Col span={4}><Statistic title={t('broadcasts.c.skipped')} value={p.counts.skipped} /></Col>
                <Col span={4}><Statistic title={t('broadcasts.c.holdout')} value={p.counts.holdout} /></Col>
              </Row>
              {p.skipped_by_reason && Object.keys(p.skipped_by_reason).length > 0 ? (
                <Space wrap>{Object.entries(p.skipped_by_reason).map(([k, n]) => <Tag key={k}>{k}: {num(n)}</Tag>)}</Space>
              ) : null}
              {p.next_run_at ? <Typography.Text type="secondary">{t('broadcasts.nextRun')} {dt(p.next_run_at)}</Typography.Text> : null}
            </Space>
          )}
        </Async>
      </Card>
      {status === 'draft' ? null : <Card
        title={t('report.title')}
        extra={
          <Segmented
            size="small"
            value={windowDays ?? 0}
            onChange={(v) => setParams(v ? { window: String(v) } : {})}
            options={[{ label: t('report.defaultWindow'), value: 0 }, { label: '3d', value: 3 }, { label: '7d', value: 7 }, { label: '14d', value: 14 }, { label: '30d', value: 30 }]}
          />
        }
      >
        <Async state={report}>{(r) => <CampaignReportView r={r} />}</Async>
      </Card>}
    </Space>
  );
}

function scheduleText(s: BroadcastSchedule | undefined, t: (k: 'broadcasts.when.now') => string, dt: (s: string) => string): string {
  if (!s || s.type === 'now') return t('broadcasts.when.now');
  if (s.type === 'at') return dt(s.at);
  return `${s.date} ${s.time} (${t('broadcasts.when.local' as 'broadcasts.when.now')})`;
}

const ci = (c: Interval | null, f: (n: number) => string) => (c ? `[${f(c[0])}, ${f(c[1])}]` : '—');

export function CampaignReportView({ r }: { r: CampaignReport }) {
  const { t, num } = useI18n();
  const pp = (n: number | null) => (n === null ? '—' : `${num(n * 100, { maximumFractionDigits: 2, signDisplay: 'exceptZero' })} pp`);
  const money = (n: number | null) => (n === null ? '—' : `¥${num(n, { maximumFractionDigits: 2 })}`);
  const lift = r.lift.conversion_rate;
  const g = r.groups;
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="campaign-report">
      <Row gutter={16}>
        <Col span={3}><Statistic title={t('report.reach')} value={r.reach} /></Col>
        <Col span={3}><div data-testid="report-sent"><Statistic title={t('broadcasts.c.sent')} value={g.treatment.sent} /></div></Col>
        <Col span={3}><Statistic title={t('report.delivered')} value={r.delivered} /></Col>
        <Col span={3}><Statistic title={t('report.clicks')} value={r.clicked} /></Col>
        <Col span={3}><Statistic title={t('report.conversions')} value={r.conversions} /></Col>
        <Col span={3}><Statistic title={t('report.revenue')} value={r.revenue} prefix="¥" precision={2} /></Col>
        <Col span={6}>
          <Statistic
            title={t('report.lift')}
            value={lift.absolute === null ? '—' : pp(lift.absolute)}
            valueStyle={{ color: lift.significant ? '#1f7a5c' : undefined }}
          />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>95% CI {ci(lift.absolute_ci, (n) => pp(n))}</Typography.Text>
        </Col>
      </Row>
      <Table
        size="small"
        pagination={false}
        rowKey="group"
        data-testid="report-groups"
        dataSource={[{ group: 'treatment', ...g.treatment }, { group: 'holdout', ...g.holdout }]}
        columns={[
          { title: t('report.group'), dataIndex: 'group', render: (v: string) => t(v === 'treatment' ? 'report.treatment' : 'report.holdoutGroup') },
          { title: t('report.members'), dataIndex: 'members', align: 'right', render: (n: number) => num(n) },
          { title: t('broadcasts.c.sent'), dataIndex: 'sent', align: 'right', render: (n: number) => num(n) },
          { title: t('report.delivered'), dataIndex: 'delivered', align: 'right', render: (n: number) => num(n) },
          { title: t('report.opened'), dataIndex: 'opened', align: 'right', render: (n: number) => num(n) },
          { title: t('report.clicks'), dataIndex: 'clicked', align: 'right', render: (n: number) => num(n) },
          { title: t('report.conversions'), dataIndex: 'conversions', align: 'right', render: (n: number) => num(n) },
          { title: t('report.conversionRate'), dataIndex: 'conversion_rate', align: 'right', render: (n: number | null) => pct(n, num) },
          { title: t('report.revenue'), dataIndex: 'revenue', align: 'right', render: (n: number) => money(n) },
          { title: t('report.rpm'), dataIndex: 'revenue_per_member', align: 'right', render: (n: number | null) => money(n) },
        ]}
      />
      <Descriptions size="small" column={2} bordered>
        <Descriptions.Item label={t('report.relativeLift')}>{lift.relative === null ? '—' : pct(lift.relative, num)} · 95% CI {ci(lift.relative_ci, (n) => pct(n, num))}</Descriptions.Item>
        <Descriptions.Item label={t('report.rpmLift')}>{money(r.lift.revenue_per_member.absolute)} · 95% CI {ci(r.lift.revenue_per_member.absolute_ci, (n) => money(n))}</Descriptions.Item>
        <Descriptions.Item label={t('report.incConversions')}>{r.lift.incremental_conversions === null ? '—' : num(r.lift.incremental_conversions, { maximumFractionDigits: 1 })} · 95% CI {ci(r.lift.incremental_conversions_ci, (n) => num(n, { maximumFractionDigits: 1 }))}</Descriptions.Item>
        <Descriptions.Item label={t('report.incRevenue')}>{money(r.lift.incremental_revenue)} · 95% CI {ci(r.lift.incremental_revenue_ci, (n) => money(n))}</Descriptions.Item>
        <Descriptions.Item label={t('report.window')}>{r.window_days} {t('common.days')} · {r.window_complete ? t('report.windowClosed') : t('report.windowOpen')}</Descriptions.Item>
        <Descriptions.Item label={t('report.significant')}>{lift.significant === null ? '—' : lift.significant ? t('common.yes') : t('common.no')}</Descriptions.Item>
      </Descriptions>
    </Space>
  );
}

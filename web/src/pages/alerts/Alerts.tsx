// 危机预警: the alert list (state and severity filters in the URL) and the monitors tab (list, create/edit form,
// evaluate now, delete); the alert page with its metric chart (value, same-weekday baseline band or thresholds),
// history and notifications, and acknowledge / resolve. Hourly monitors' periods show as `2024-06-03 10:00`.
import { useMemo, useState } from 'react';
import { App, Button, Card, Descriptions, Form, Input, Modal, Popconfirm, Segmented, Select, Space, Table, Tabs, Tag, Timeline, Typography } from 'antd';
import { ArrowLeftOutlined, CheckOutlined, PlayCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../../api/client';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { Chart, type ChartOption } from '../../components/Chart';
import { MonitorForm } from './MonitorForm';
import { axisLabel, isHour, periodRange } from './periods';
import { useAt } from './strings';
import type { AlertDetail as Detail, AlertRow, Monitor, Severity } from './types';

const SEVERITY_COLOR: Record<string, string> = { info: 'blue', warning: 'orange', critical: 'red' };
const STATE_COLOR: Record<string, string> = { open: 'red', acknowledged: 'gold', resolved: 'green' };
const STATES = ['open', 'acknowledged', 'resolved'] as const;
const SEVERITIES: Severity[] = ['info', 'warning', 'critical'];

/** A metric value in its unit. */
export function useFmt() {
  const { num } = useI18n();
  return (v: number | null | undefined, unit: string) =>
    v === null || v === undefined ? '—' : unit === 'rate' ? num(v * 100, { maximumFractionDigits: 2 }) + '%' : unit === 'money' ? '¥' + num(v, { maximumFractionDigits: 2 }) : num(v, { maximumFractionDigits: 2 });
}

export function SeverityTag({ s }: { s: string }) {
  const at = useAt();
  return <Tag color={SEVERITY_COLOR[s]} data-testid="alert-severity">{at(`severity.${s}` as 'severity.info')}</Tag>;
}

export function StateTag({ s }: { s: string }) {
  const at = useAt();
  return <Tag color={STATE_COLOR[s]} data-testid="alert-state">{at(`state.${s}` as 'state.open')}</Tag>;
}

export function Alerts() {
  const at = useAt();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'alerts';
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>{at('title')}</Typography.Title>
      <Tabs
        activeKey={tab}
        onChange={(k) => setParams(k === 'alerts' ? {} : { tab: k })}
        items={[
          { key: 'alerts', label: at('tab.alerts'), children: <AlertList /> },
          { key: 'monitors', label: at('tab.monitors'), children: <Monitors /> },
        ]}
      />
    </Space>
  );
}

function AlertList() {
  const at = useAt();
  const { dt, lang } = useI18n();
  const { can } = useAuth();
  const { message } = App.useApp();
  const fmt = useFmt();
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? '';
  const severity = params.get('severity') ?? '';
  const set = (k: string, v: string) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next);
  };
  const list = useLoad(
    async (signal) => (await api('get', '/api/alerts', { query: { state: (state || undefined) as 'open' | undefined, severity: (severity || undefined) as 'info' | undefined, limit: 200 }, signal })) as unknown as { data: AlertRow[] },
    [state, severity],
  );
  const [busy, setBusy] = useState(false);
  const evaluateAll = async () => {
    setBusy(true);
    try {
      const r = (await api('post', '/api/alerts/evaluate', { body: { dry_run: false } })) as unknown as { data: unknown[] };
      message.success(at('evaluated', { n: r.data.length }));
      list.reload();
    } catch (e) {
      message.error((e as ApiError).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card>
      <Space wrap style={{ marginBottom: 16, width: '100%', justifyContent: 'space-between' }}>
        <Space wrap>
          <Segmented data-testid="alert-state-filter" value={state} onChange={(v) => set('state', String(v))} options={[{ label: at('state.all'), value: '' }, ...STATES.map((s) => ({ label: at(`state.${s}`), value: s }))]} />
          <Select data-testid="alert-severity-filter" style={{ width: 140 }} value={severity} onChange={(v) => set('severity', v)} options={[{ label: at('severity.any'), value: '' }, ...SEVERITIES.map((s) => ({ label: at(`severity.${s}`), value: s }))]} />
        </Space>
        {can('alerts.write') && <Button icon={<PlayCircleOutlined />} loading={busy} onClick={evaluateAll} data-testid="alerts-evaluate-all">{at('evaluateAll')}</Button>}
      </Space>
      <Async state={list} empty={(d) => d.data.length === 0}>
        {(d) => (
          <Table<AlertRow>
            rowKey="id"
            data-testid="alerts-table"
            dataSource={d.data}
            columns={[
              { title: at('severity'), dataIndex: 'severity', render: (s: string) => <SeverityTag s={s} /> },
              { title: at('monitor'), dataIndex: 'monitor_name', render: (n: string | null, a) => <Link to={`/alerts/${a.id}`}>{n ?? a.monitor_id}</Link> },
              { title: at('metric'), render: (_, a) => (a.metric_name ? (lang === 'en' ? a.metric_name.en : a.metric_name.zh) : a.metric) },
              { title: at('period'), render: (_, a) => periodRange(a.first_period, a.last_period) },
              { title: at('value'), dataIndex: 'value', align: 'right', render: (v: number | null, a) => fmt(v, a.unit) },
              { title: at('occurrences'), dataIndex: 'occurrences', align: 'right' },
              { title: at('state'), dataIndex: 'state', render: (s: string) => <StateTag s={s} /> },
              { title: at('openedAt'), dataIndex: 'opened_at', render: (v: string) => dt(v) },
            ]}
          />
        )}
      </Async>
    </Card>
  );
}

function Monitors() {
  const at = useAt();
  const { t, dt, lang } = useI18n();
  const { can } = useAuth();
  const { message } = App.useApp();
  const list = useLoad(async (signal) => (await api('get', '/api/alerts/monitors', { signal })) as unknown as { data: Monitor[] }, []);
  const [editing, setEditing] = useState<Monitor | 'new' | null>(null);
  const write = can('alerts.write');
  const evaluate = async (m: Monitor) => {
    try {
      const r = (await api('post', '/api/alerts/monitors/{id}/evaluate', { path: { id: m.id }, body: { dry_run: false } })) as unknown as { evaluation: { status: string }; action: string };
      message.info(`${m.name}: ${at(`status.${r.evaluation.status}` as 'status.ok')} (${r.action})`);
      list.reload();
    } catch (e) {
      message.error((e as ApiError).message);
    }
  };
  const remove = async (m: Monitor) => {
    try {
      await api('delete', '/api/alerts/monitors/{id}', { path: { id: m.id } });
      list.reload();
    } catch (e) {
      message.error((e as ApiError).message);
    }
  };
  return (
    <Card>
      {write && (
        <div style={{ marginBottom: 16, textAlign: 'right' }}>
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="monitor-new">{at('monitor.new')}</Button>
        </div>
      )}
      <Async state={list} empty={(d) => d.data.length === 0}>
        {(d) => (
          <Table<Monitor>
            rowKey="id"
            data-testid="monitors-table"
            dataSource={d.data}
            columns={[
              { title: at('monitor.name'), dataIndex: 'name' },
              { title: at('metric'), render: (_, m) => (m.metric_name ? (lang === 'en' ? m.metric_name.en : m.metric_name.zh) : m.metric) },
              { title: at('monitor.ruleType'), render: (_, m) => (m.rule.type === 'static' ? `${at('monitor.static')} · ${at(m.rule.op === 'above' ? 'monitor.above' : 'monitor.below')}` : `${at('monitor.anomaly')} · ${at(`monitor.${m.rule.direction ?? 'both'}` as 'monitor.up')}`) },
              { title: at('monitor.granularity'), dataIndex: 'granularity', render: (g: string | undefined) => at(g === 'hour' ? 'granularity.hour' : 'granularity.day') },
              { title: at('monitor.schedule'), dataIndex: 'schedule', render: (s: string | null) => s ?? at('monitor.onDemand') },
              { title: at('monitor.enabled'), dataIndex: 'enabled', render: (e: boolean) => (e ? t('common.yes') : t('common.no')) },
              { title: at('monitor.lastStatus'), render: (_, m) => (m.last_status ? `${at(`status.${m.last_status}` as 'status.ok')} · ${dt(m.last_evaluated_at)}` : '—') },
              ...(write
                ? [{
                    title: '', key: 'actions', render: (_: unknown, m: Monitor) => (
                      <Space>
                        <Button size="small" onClick={() => evaluate(m)} data-testid="monitor-evaluate">{at('monitor.evaluate')}</Button>
                        <Button size="small" onClick={() => setEditing(m)}>{t('settings.edit')}</Button>
                        <Popconfirm title={at('monitor.deleteConfirm')} onConfirm={() => remove(m)}>
                          <Button size="small" danger>{t('common.delete')}</Button>
                        </Popconfirm>
                      </Space>
                    ),
                  }]
                : []),
            ]}
          />
        )}
      </Async>
      {editing && (
        <MonitorForm
          monitor={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            message.success(at('monitor.saved'));
            list.reload();
          }}
        />
      )}
    </Card>
  );
}

/** ECharts option: value line (breach periods marked), baseline band and median, or threshold lines; hours as `MM-DD HH:00`. */
export function chartOption(d: NonNullable<Detail['chart']>, labels: { value: string; median: string; band: string; threshold: string; breach: string }, fmt: (v: number | null, unit: string) => string): ChartOption {
  const dates = d.points.map((p) => p.date);
  const hasBand = d.points.some((p) => p.lower !== null);
  const series: unknown[] = [];
  if (hasBand) {
    series.push({ name: labels.band, type: 'line', stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, data: d.points.map((p) => p.lower), tooltip: { show: false } });
    series.push({ name: labels.band, type: 'line', stack: 'band', symbol: 'none', lineStyle: { opacity: 0 }, areaStyle: { color: 'rgba(31,122,92,0.15)' }, data: d.points.map((p) => (p.upper === null || p.lower === null ? null : p.upper - p.lower)) });
    series.push({ name: labels.median, type: 'line', symbol: 'none', lineStyle: { type: 'dashed', color: '#1f7a5c' }, data: d.points.map((p) => p.median) });
  }
  for (const [sev, v] of Object.entries(d.thresholds ?? {})) {
    series.push({ name: `${labels.threshold} ${sev}`, type: 'line', symbol: 'none', lineStyle: { type: 'dashed', color: SEVERITY_COLOR[sev] === 'red' ? '#cf1322' : SEVERITY_COLOR[sev] === 'orange' ? '#d46b08' : '#1677ff' }, data: dates.map(() => v) });
  }
  series.push({ name: labels.value, type: 'line', color: '#1677ff', symbolSize: 4, data: d.points.map((p) => p.value) });
  // Breaches as red dots over the line: a line series of isolated points (only the breach days have values).
  series.push({
    name: labels.breach, type: 'line', showSymbol: true, symbolSize: 11, lineStyle: { opacity: 0 }, color: '#cf1322', z: 5,
    data: d.points.map((p) => (p.status === 'breach' ? { value: p.value, itemStyle: { color: p.severity === 'critical' ? '#cf1322' : p.severity === 'warning' ? '#d46b08' : '#1677ff' } } : null)),
  });
  return {
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => fmt(typeof v === 'number' ? v : null, d.unit) },
    legend: { data: [labels.value, labels.breach, ...(hasBand ? [labels.median, labels.band] : []), ...Object.keys(d.thresholds ?? {}).map((s) => `${labels.threshold} ${s}`)] },
    grid: { left: 56, right: 24, top: 40, bottom: 32 },
    xAxis: { type: 'category', data: dates.map(axisLabel) },
    yAxis: { type: 'value', axisLabel: { formatter: (v: number) => fmt(v, d.unit) } },
    series,
  } as ChartOption;
}

export function AlertDetail() {
  const { id = '' } = useParams();
  const at = useAt();
  const { dt, lang } = useI18n();
  const { can } = useAuth();
  const { message } = App.useApp();
  const fmt = useFmt();
  const state = useLoad(async (signal) => (await api('get', '/api/alerts/{id}', { path: { id }, signal })) as unknown as Detail, [id]);
  const [resolving, setResolving] = useState(false);
  const [err, setErr] = useState<unknown>(null);
  const [form] = Form.useForm<{ note: string }>();
  const hourly = state.data ? isHour(state.data.first_period) : false;
  const labels = useMemo(
    () => ({ value: at('chart.value'), median: at(hourly ? 'chart.medianHour' : 'chart.median'), band: at('chart.band'), threshold: at('chart.threshold'), breach: at('chart.breach') }),
    [at, hourly],
  );
  const ack = async () => {
    try {
      await api('post', '/api/alerts/{id}/acknowledge', { path: { id }, body: {} });
      message.success(at('acknowledged'));
      state.reload();
    } catch (e) {
      setErr(e);
    }
  };
  const resolve = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return; // the form shows what is missing
    try {
      await api('post', '/api/alerts/{id}/resolve', { path: { id }, body: { note: v.note } });
      setResolving(false);
      message.success(at('resolved'));
      state.reload();
    } catch (e) {
      setErr(e);
    }
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Link to="/alerts"><ArrowLeftOutlined /> {at('back')}</Link>
      {err ? <ErrorAlert error={err} /> : null}
      <Async state={state}>
        {(a) => (
          <>
            <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
              <Space>
                <Typography.Title level={3} style={{ margin: 0 }} data-testid="alert-title">{a.monitor_name ?? a.monitor_id}</Typography.Title>
                <SeverityTag s={a.severity} />
                <StateTag s={a.state} />
              </Space>
              {can('alerts.write') && (
                <Space>
                  {a.state === 'open' && <Button icon={<CheckOutlined />} onClick={ack} data-testid="alert-ack">{at('acknowledge')}</Button>}
                  {a.state !== 'resolved' && <Button type="primary" onClick={() => setResolving(true)} data-testid="alert-resolve">{at('resolve')}</Button>}
                </Space>
              )}
            </div>
            <Card>
              <Descriptions size="small" column={3}>
                <Descriptions.Item label={at('metric')}>{a.metric_name ? (lang === 'en' ? a.metric_name.en : a.metric_name.zh) : a.metric}</Descriptions.Item>
                <Descriptions.Item label={at('value')}>{fmt(a.value, a.unit)}</Descriptions.Item>
                <Descriptions.Item label={at('period')}>{periodRange(a.first_period, a.last_period)}</Descriptions.Item>
                <Descriptions.Item label={at('occurrences')}>{a.occurrences}</Descriptions.Item>
                <Descriptions.Item label={at('openedAt')}>{dt(a.opened_at)}</Descriptions.Item>
                <Descriptions.Item label={at('lastSeen')}>{dt(a.last_seen_at)}</Descriptions.Item>
                {a.resolution && <Descriptions.Item label={at('resolution')}>{at(`resolution.${a.resolution}`)}</Descriptions.Item>}
                {a.note && <Descriptions.Item label={at('note')}>{a.note}</Descriptions.Item>}
              </Descriptions>
            </Card>
            {a.chart && (
              <Card title={at('chart')}>
                <Chart option={chartOption(a.chart, labels, fmt)} testId="alert-chart" />
              </Card>
            )}
            <Card title={at('history')}>
              <Timeline
                data-testid="alert-history"
                items={a.events.map((e) => ({
                  color: e.type === 'opened' || e.type === 'escalated' ? 'red' : e.type === 'resolved' ? 'green' : 'blue',
                  children: (
                    <>
                      <b>{at(`event.${e.type}` as 'event.opened')}</b> · {dt(e.occurred_at)}{e.actor ? ` · ${e.actor}` : ''}
                      {e.note ? <div style={{ color: '#666' }}>{e.note}</div> : null}
                    </>
                  ),
                }))}
              />
            </Card>
            <Card title={at('notifications')}>
              <Table
                rowKey="id"
                size="small"
                pagination={false}
                dataSource={a.notifications}
                columns={[
                  { title: at('recipient'), dataIndex: 'recipient' },
                  { title: at('channel'), dataIndex: 'channel_type' },
                  { title: at('reason'), dataIndex: 'reason' },
                  { title: at('state'), dataIndex: 'status', render: (s: string, n) => <Tag color={s === 'failed' ? 'red' : 'green'} title={n.error ?? undefined}>{s}</Tag> },
                  { title: at('openedAt'), dataIndex: 'created_at', render: (v: string) => dt(v) },
                ]}
              />
            </Card>
            <Modal open={resolving} title={at('resolveTitle')} onOk={resolve} onCancel={() => setResolving(false)} okButtonProps={{ 'data-testid': 'alert-resolve-ok' }}>
              <Form form={form} layout="vertical">
                <Form.Item name="note" label={at('resolveNote')} rules={[{ required: true, whitespace: true, message: at('resolveNoteRequired') }]}>
                  <Input.TextArea rows={3} data-testid="alert-resolve-note" />
                </Form.Item>
              </Form>
            </Modal>
          </>
        )}
      </Async>
    </Space>
  );
}

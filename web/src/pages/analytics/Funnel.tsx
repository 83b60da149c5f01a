// Funnel builder: ordered steps (event name and property filters), a conversion window and a period; the result
// shows members per step, conversion from the previous and the first step, and the median time between steps.
// The built funnel lives in the URL (`steps` as JSON), so a link reruns it.
import { useEffect, useMemo } from 'react';
import { AutoComplete, Button, Card, Col, DatePicker, Form, Input, Row, Segmented, Select, Space, Table, Tag, Typography } from 'antd';
import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { api } from '../../api/client';
import type { FunnelFilter, FunnelReport, FunnelStepResult } from '../../api/types';
import { useI18n, type MessageKey } from '../../i18n';
import { Async, useLoad } from '../../components/state';
import { Chart, type ChartOption } from '../../components/Chart';
import { pct } from '../../format';
import { CsvButton, duration, useQuery } from './kit';

const OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in', 'contains', 'exists', 'not_exists'] as const;
const NUMERIC = new Set(['gt', 'gte', 'lt', 'lte']);
const LIST = new Set(['in', 'not_in']);
const NO_VALUE = new Set(['exists', 'not_exists']);
const PERIODS = ['day', 'week', 'month', 'quarter', 'year'] as const;
const SUGGESTED = ['Product Viewed', 'Product Added', 'Checkout Started', 'Order Completed', 'Signed Up', 'Coupon Claimed', 'Message Clicked'];

interface FormFilter { property?: string; op: string; value?: string }
interface FormStep { event?: string; where?: FormFilter[] }
type Op = (typeof OPS)[number];
type ApiFilter = FunnelFilter & { op: Op };
interface ApiStep { event: string; where?: ApiFilter[] }

const splitList = (v: string) => v.split(/[,，]/).map((x) => x.trim()).filter(Boolean);

/** Form values → the API's steps (values typed by operator: numbers for comparisons, lists for in / not_in). */
function toApi(steps: FormStep[]): ApiStep[] {
  return steps.map((s) => {
    const where = (s.where ?? []).filter((f) => f.property).map((f): ApiFilter => {
      const v = f.value ?? '';
      const op = f.op as Op;
      if (NO_VALUE.has(op)) return { property: f.property!, op };
      if (NUMERIC.has(op)) return { property: f.property!, op, value: Number(v) };
      if (LIST.has(op)) return { property: f.property!, op, value: splitList(v) };
      return { property: f.property!, op, value: v };
    });
    return where.length ? { event: s.event!.trim(), where } : { event: s.event!.trim() };
  });
}

function fromApi(steps: ApiStep[]): FormStep[] {
  return steps.map((s) => ({
    event: s.event,
    where: (s.where ?? []).map((f) => ({ property: f.property, op: f.op, value: f.value === undefined ? undefined : Array.isArray(f.value) ? f.value.join(', ') : String(f.value) })),
  }));
}

function parseSteps(raw: string | undefined): ApiStep[] | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as unknown;
    return Array.isArray(v) && v.every((s) => s && typeof (s as ApiStep).event === 'string') ? (v as ApiStep[]) : null;
  } catch {
    return null;
  }
}

export function Funnel() {
  const { t } = useI18n();
  const q = useQuery();
  const raw = q.get('steps');
  const steps = useMemo(() => parseSteps(raw), [raw]);
  const window = q.get('window') ?? '7d';
  const period = (PERIODS as readonly string[]).includes(q.get('period') ?? '') ? (q.get('period') as (typeof PERIODS)[number]) : 'month';
  const date = q.get('date');
  const [form] = Form.useForm<{ steps: FormStep[]; window: string }>();

  useEffect(() => {
    form.setFieldsValue({ steps: steps ? fromApi(steps) : [{ event: '', where: [] }, { event: '', where: [] }], window });
    // Only when the URL changes (a shared link, back/forward): edits stay in the form until run.
  }, [raw, window]); // eslint-disable-line react-hooks/exhaustive-deps

  const result = useLoad(
    (signal) => (steps && steps.length >= 2 ? api('post', '/api/analytics/funnels', { body: { steps, window, period, date }, signal }) : Promise.resolve(null)),
    [raw, window, period, date],
  );

  const run = (v: { steps: FormStep[]; window: string }) => q.set({ steps: JSON.stringify(toApi(v.steps)), window: v.window === '7d' ? undefined : v.window });

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card
        title={t('an.funnel.builder')}
        extra={
          <Space wrap>
            <Segmented
              size="small"
              value={period}
              onChange={(v) => q.set({ period: v === 'month' ? undefined : String(v) })}
              options={PERIODS.map((p) => ({ value: p, label: t(`dash.period.${p}` as MessageKey) }))}
            />
            <DatePicker size="small" allowClear value={date ? dayjs(date) : null} onChange={(d) => q.set({ date: d ? d.format('YYYY-MM-DD') : undefined })} />
          </Space>
        }
      >
        <Form form={form} layout="vertical" onFinish={run} data-testid="funnel-form">
          <Form.List name="steps">
            {(fields, { add, remove, move }) => (
              <Space direction="vertical" style={{ width: '100%' }}>
                {fields.map((f, i) => (
                  <Card key={f.key} size="small" type="inner" title={`${t('an.funnel.step')} ${i + 1}`} extra={
                    <Space size={4}>
                      <Button size="small" type="text" icon={<ArrowUpOutlined />} disabled={i === 0} onClick={() => move(i, i - 1)} aria-label={t('an.funnel.up')} />
                      <Button size="small" type="text" icon={<ArrowDownOutlined />} disabled={i === fields.length - 1} onClick={() => move(i, i + 1)} aria-label={t('an.funnel.down')} />
                      <Button size="small" type="text" danger icon={<DeleteOutlined />} disabled={fields.length <= 2} onClick={() => remove(f.name)} aria-label={t('common.remove')} />
                    </Space>
                  }>
                    <Form.Item name={[f.name, 'event']} label={t('an.funnel.event')} rules={[{ required: true, whitespace: true, message: t('an.funnel.eventRequired') }]} style={{ marginBottom: 8 }}>
                      <AutoComplete
                        data-testid={`funnel-step-${i}-event`}
                        options={SUGGESTED.map((v) => ({ value: v }))}
                        filterOption={(input, o) => String(o?.value ?? '').toLowerCase().includes(input.toLowerCase())}
                        placeholder="Product Viewed"
                        style={{ maxWidth: 360 }}
                      />
                    </Form.Item>
                    <Form.List name={[f.name, 'where']}>
                      {(filters, fl) => (
                        <>
                          {filters.map((ff) => (
                            <Space key={ff.key} align="start" wrap style={{ marginBottom: 4 }}>
                              <Form.Item name={[ff.name, 'property']} rules={[{ required: true, whitespace: true, message: t('an.funnel.propertyRequired') }, { pattern: /^[^$/]/, message: t('an.funnel.propertyPlain') }]} style={{ marginBottom: 0 }}>
                                <Input placeholder={t('an.funnel.property')} style={{ width: 160 }} />
                              </Form.Item>
                              <Form.Item name={[ff.name, 'op']} initialValue="eq" style={{ marginBottom: 0 }}>
                                <Select style={{ width: 130 }} options={OPS.map((o) => ({ value: o, label: t(`an.op.${o}` as MessageKey) }))} />
                              </Form.Item>
                              <Form.Item noStyle dependencies={[['steps', f.name, 'where', ff.name, 'op']]}>
                                {({ getFieldValue }) => {
                                  const op = getFieldValue(['steps', f.name, 'where', ff.name, 'op']) as string;
                                  if (NO_VALUE.has(op)) return null;
                                  return (
                                    <Form.Item
                                      name={[ff.name, 'value']}
                                      style={{ marginBottom: 0 }}
                                      rules={[
                                        { required: true, whitespace: true, message: t('an.funnel.valueRequired') },
                                        { validator: async (_, v?: string) => { if (NUMERIC.has(op) && v && !Number.isFinite(Number(v))) throw new Error(t('an.funnel.valueNumber')); } },
                                      ]}
                                    >
                                      <Input placeholder={LIST.has(op) ? t('an.funnel.valueList') : t('an.funnel.value')} style={{ width: 200 }} />
                                    </Form.Item>
                                  );
                                }}
                              </Form.Item>
                              <Button type="text" icon={<DeleteOutlined />} onClick={() => fl.remove(ff.name)} aria-label={t('common.remove')} />
                            </Space>
                          ))}
                          <Button size="small" type="dashed" icon={<PlusOutlined />} onClick={() => fl.add({ op: 'eq' })} disabled={filters.length >= 20}>{t('an.funnel.addFilter')}</Button>
                        </>
                      )}
                    </Form.List>
                  </Card>
                ))}
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ event: '', where: [] })} disabled={fields.length >= 10} data-testid="funnel-add-step">{t('an.funnel.addStep')}</Button>
              </Space>
            )}
          </Form.List>
          <Row gutter={16} align="bottom" style={{ marginTop: 16 }}>
            <Col>
              <Form.Item name="window" label={t('an.funnel.window')} rules={[{ required: true, pattern: /^\d+(\.\d+)?(m|h|d)$/, message: t('an.funnel.windowInvalid') }]} style={{ marginBottom: 0 }}>
                <Input data-testid="funnel-window" style={{ width: 140 }} placeholder="7d / 48h / 30m" />
              </Form.Item>
            </Col>
            <Col>
              <Button type="primary" htmlType="submit" data-testid="funnel-run">{t('an.funnel.run')}</Button>
            </Col>
          </Row>
        </Form>
      </Card>
      <Card title={t('an.funnel.result')}>
        <Async state={result} minHeight={240}>
          {(d) => (d ? <FunnelView d={d} /> : <Typography.Text type="secondary">{t('an.funnel.hint')}</Typography.Text>)}
        </Async>
      </Card>
    </Space>
  );
}

function filterText(f: FunnelFilter, t: (k: MessageKey) => string) {
  const v = f.value === undefined ? '' : Array.isArray(f.value) ? ` [${f.value.join(', ')}]` : ` ${String(f.value)}`;
  return `${f.property} ${t(`an.op.${f.op}` as MessageKey)}${v}`;
}

function FunnelView({ d }: { d: FunnelReport }) {
  const { t, num } = useI18n();
  const option = useMemo((): ChartOption => ({
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 24, top: 40, bottom: 48 },
    xAxis: { type: 'category', data: d.steps.map((s) => `${s.step}. ${s.event}`), axisLabel: { interval: 0 } },
    yAxis: { type: 'value', name: t('an.funnel.members'), minInterval: 1 },
    series: [{
      type: 'bar',
      name: t('an.funnel.members'),
      barMaxWidth: 64,
      itemStyle: { color: '#1f7a5c' },
      data: d.steps.map((s) => s.members),
      label: { show: true, position: 'top', formatter: (p: { dataIndex: number; value: number }) => `${num(p.value)} · ${pct(d.steps[p.dataIndex].overall_conversion, num)}` },
    }],
  }), [d, num, t]);
  const columns = ['step', 'event', 'where', 'members', 'step_conversion', 'overall_conversion', 'median_seconds_from_previous'];
  const rows = () => d.steps.map((s) => [s.step, s.event, s.where ? JSON.stringify(s.where) : null, s.members, s.step_conversion, s.overall_conversion, s.median_seconds_from_previous]);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{d.period.from} ~ {d.period.to} · {t('an.funnel.window')} {d.window} · {d.timezone}</Typography.Text>
      <div data-testid="funnel-chart"><Chart option={option} height={300} /></div>
      <div style={{ display: 'flex', justifyContent: 'flex-end' }}><CsvButton filename="funnel.csv" columns={columns} rows={rows} testId="funnel-export" /></div>
      <Table<FunnelStepResult>
        data-testid="funnel-table"
        size="small"
        rowKey="step"
        pagination={false}
        dataSource={d.steps}
        columns={[
          { title: '#', dataIndex: 'step', width: 48 },
          { title: t('an.funnel.event'), dataIndex: 'event', render: (e: string, s) => <Space wrap>{e}{(s.where ?? []).map((f, i) => <Tag key={i}>{filterText(f, t)}</Tag>)}</Space> },
          { title: t('an.funnel.members'), dataIndex: 'members', align: 'right', render: (n: number) => num(n) },
          { title: t('an.funnel.stepConv'), dataIndex: 'step_conversion', align: 'right', render: (v: number | null) => pct(v, num) },
          { title: t('an.funnel.overallConv'), dataIndex: 'overall_conversion', align: 'right', render: (v: number | null) => pct(v, num) },
          { title: t('an.funnel.median'), dataIndex: 'median_seconds_from_previous', align: 'right', render: (v: number | null) => duration(v, t) },
        ]}
      />
    </Space>
  );
}

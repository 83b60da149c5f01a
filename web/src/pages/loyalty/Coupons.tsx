// Coupons: the template list (status filter in the URL), the create form (every benefit type, fixed window or N days
// after claim, limits; validated before submit), and a template's page: the issue → claim → use funnel, issuing to
// a segment (with the member count confirmed first), and code batches.
import { useMemo, useState } from 'react';
import { App, Button, Card, Col, DatePicker, Descriptions, Form, Input, InputNumber, Modal, Radio, Row, Segmented, Select, Space, Statistic, Switch, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import type { CouponBatch, CouponIssueResult, CouponTemplate, Segment } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { Chart } from '../../components/Chart';
import { PageHead } from '../../components/forms';
import { pct } from '../../format';
import { benefitText, templateBody, validityText, type CouponFormValues } from './coupon-model';
import { useAuth } from '../../auth';

const STATUS_COLOR: Record<string, string> = { active: 'green', paused: 'orange', archived: 'default' };

export function Coupons() {
  const { t, num, dt, lang } = useI18n();
  const { can } = useAuth(); // actions only for who may take them (docs/permissions.md)
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const [creating, setCreating] = useState(params.get('new') === '1');
  const navigate = useNavigate();
  const list = useLoad((signal) => api('get', '/api/coupons/templates', { query: { status: (status || undefined) as 'active' | undefined }, signal }), [status]);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageHead title="coupons.title" extra={can('coupons.write') ? <Button type="primary" icon={<PlusOutlined />} data-testid="coupon-new" onClick={() => setCreating(true)}>{t('coupons.new')}</Button> : null} />
      <Card>
        <Segmented
          data-testid="coupon-status-filter"
          style={{ marginBottom: 16 }}
          value={status}
          onChange={(v) => setParams(v ? { status: String(v) } : {})}
          options={[{ label: t('common.all'), value: '' }, ...(['active', 'paused', 'archived'] as const).map((s) => ({ label: t(`coupons.status.${s}`), value: s }))]}
        />
        <Async state={list} empty={(d) => d.data.length === 0}>
          {(d) => (
            <Table<CouponTemplate>
              rowKey="id"
              data-testid="coupons-table"
              dataSource={d.data}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              columns={[
                { title: t('common.name'), dataIndex: 'name', render: (n: string, c) => <Link to={`/loyalty/coupons/${c.id}`}>{n}</Link> },
                { title: t('coupons.benefit'), render: (_, c) => benefitText(c, lang) },
                { title: t('coupons.validity'), render: (_, c) => validityText(c, lang, dt) },
                { title: t('common.status'), dataIndex: 'status', render: (s: string) => <Tag color={STATUS_COLOR[s]}>{t(`coupons.status.${s}` as 'coupons.status.active')}</Tag> },
                { title: t('coupons.issued'), dataIndex: 'issued_count', align: 'right', render: (n: number) => num(n) },
                { title: t('coupons.limit'), dataIndex: 'total_limit', align: 'right', render: (n: number | null) => (n === null ? '∞' : num(n)) },
                { title: t('coupons.remaining'), dataIndex: 'remaining', align: 'right', render: (n: number | null) => (n === null ? '∞' : num(n)) },
                { title: t('common.createdAt'), dataIndex: 'created_at', render: (v: string) => dt(v) },
              ]}
            />
          )}
        </Async>
      </Card>
      <CouponCreate open={creating} onClose={() => setCreating(false)} onCreated={(c) => navigate(`/loyalty/coupons/${c.id}`)} />
    </Space>
  );
}

function CouponCreate({ open, onClose, onCreated }: { open: boolean; onClose(): void; onCreated(c: CouponTemplate): void }) {
  const { t } = useI18n();
  const [form] = Form.useForm<CouponFormValues>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const benefit = Form.useWatch('benefit', form);
  const validity = Form.useWatch('validity', form);
  const submit = async (v: CouponFormValues) => {
    setSaving(true);
    setError(null);
    try {
      const c = await api('post', '/api/coupons/templates', { body: templateBody(v) });
      form.resetFields();
      onCreated(c);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  const money = (name: keyof CouponFormValues, label: string, required = true, testId?: string) => (
    <Form.Item name={name} label={label} rules={required ? [{ required: true, message: t('form.required') }] : []}>
      <InputNumber min={0.01} step={1} prefix="¥" style={{ width: '100%' }} data-testid={testId} />
    </Form.Item>
  );
  return (
    <Modal
      open={open}
      title={t('coupons.new')}
      width={640}
      onCancel={onClose}
      okText={t('common.create')}
      cancelText={t('common.cancel')}
      confirmLoading={saving}
      onOk={() => form.submit()}
      okButtonProps={{ 'data-testid': 'coupon-submit' }}
      destroyOnHidden
    >
      <Form form={form} layout="vertical" onFinish={submit} initialValues={{ benefit: 'threshold', validity: 'after_claim', days: 7, minSpend: 0, quantity: 1 }}>
        <Form.Item name="name" label={t('common.name')} rules={[{ required: true, whitespace: true, message: t('form.required') }, { max: 100 }]}>
          <Input data-testid="coupon-name" placeholder={t('coupons.namePlaceholder')} />
        </Form.Item>
        <Form.Item name="benefit" label={t('coupons.benefit')}>
          <Radio.Group data-testid="coupon-benefit" optionType="button" options={(['fixed', 'percent', 'threshold', 'free_shipping', 'gift'] as const).map((b) => ({ value: b, label: t(`coupons.benefit.${b}`) }))} />
        </Form.Item>
        <Row gutter={12}>
          {benefit === 'fixed' && <Col span={12}>{money('amount', t('coupons.amount'), true, 'coupon-amount')}</Col>}
          {benefit === 'percent' && (
            <>
              <Col span={12}>
                <Form.Item name="percentOff" label={t('coupons.percentOff')} rules={[{ required: true, message: t('form.required') }, { type: 'number', min: 1, max: 99 }]}>
                  <InputNumber min={1} max={99} suffix="%" style={{ width: '100%' }} data-testid="coupon-percent" />
                </Form.Item>
              </Col>
              <Col span={12}>{money('maxDiscount', t('coupons.maxDiscount'), false)}</Col>
            </>
          )}
          {benefit === 'threshold' && (
            <>
              <Col span={8}>{money('spend', t('coupons.spend'), true, 'coupon-spend')}</Col>
              <Col span={8}>
                <Form.Item
                  name="save"
                  label={t('coupons.save')}
                  dependencies={['spend']}
                  rules={[
                    { required: true, message: t('form.required') },
                    ({ getFieldValue }) => ({ validator: async (_, v) => { if (v && getFieldValue('spend') && v >= getFieldValue('spend')) throw new Error(t('coupons.saveBelowSpend')); } }),
                  ]}
                >
                  <InputNumber min={0.01} prefix="¥" style={{ width: '100%' }} data-testid="coupon-save" />
                </Form.Item>
              </Col>
              <Col span={8}>
                <Form.Item name="repeat" label={t('coupons.repeat')} valuePropName="checked"><Switch /></Form.Item>
              </Col>
            </>
          )}
          {benefit === 'free_shipping' && <Col span={12}>{money('maxShipping', t('coupons.maxShipping'), false)}</Col>}
          {benefit === 'gift' && (
            <>
              <Col span={12}>
                <Form.Item name="productId" label={t('coupons.productId')} rules={[{ required: true, whitespace: true, message: t('form.required') }]}><Input /></Form.Item>
              </Col>
              <Col span={12}>
                <Form.Item name="quantity" label={t('coupons.quantity')}><InputNumber min={1} max={1000} style={{ width: '100%' }} /></Form.Item>
              </Col>
            </>
          )}
          {benefit !== 'threshold' && (
            <Col span={12}>
              <Form.Item name="minSpend" label={t('coupons.minSpend')}><InputNumber min={0} prefix="¥" style={{ width: '100%' }} /></Form.Item>
            </Col>
          )}
        </Row>
        <Form.Item name="validity" label={t('coupons.validity')}>
          <Radio.Group options={[{ value: 'after_claim', label: t('coupons.afterClaim') }, { value: 'window', label: t('coupons.window') }]} />
        </Form.Item>
        {validity === 'window' ? (
          <Form.Item name="window" rules={[{ required: true, message: t('form.required') }]}>
            <DatePicker.RangePicker showTime style={{ width: '100%' }} />
          </Form.Item>
        ) : (
          <Form.Item name="days" label={t('coupons.days')} rules={[{ required: true, message: t('form.required') }]}>
            <InputNumber min={1} max={3660} suffix={t('common.days')} style={{ width: 200 }} data-testid="coupon-days" />
          </Form.Item>
        )}
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="total_limit" label={t('coupons.limit')} extra={t('coupons.noLimitHint')}><InputNumber min={1} style={{ width: '100%' }} /></Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="per_member_limit" label={t('coupons.perMember')} extra={t('coupons.noLimitHint')}><InputNumber min={1} style={{ width: '100%' }} data-testid="coupon-per-member" /></Form.Item>
          </Col>
        </Row>
      </Form>
      {error ? <ErrorAlert error={error} /> : null}
    </Modal>
  );
}

export function CouponDetail() {
  const { ref = '' } = useParams();
  const { t, num, dt, lang } = useI18n();
  const { message } = App.useApp();
  const tpl = useLoad((signal) => api('get', '/api/coupons/templates/{ref}', { path: { ref }, signal }), [ref]);
  const funnel = useLoad((signal) => api('get', '/api/coupons/templates/{ref}/funnel', { path: { ref }, signal }), [ref]);
  const setStatus = async (status: 'active' | 'paused' | 'archived') => {
    try {
      await api('patch', '/api/coupons/templates/{ref}', { path: { ref }, body: { status } });
      tpl.reload();
    } catch (e) {
      message.error(String((e as Error).message));
    }
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Link to="/loyalty/coupons">← {t('coupons.title')}</Link>
      <Async state={tpl}>
        {(c) => (
          <Card
            title={<span data-testid="coupon-title">{c.name}</span>}
            extra={
              <Space>
                <Tag color={STATUS_COLOR[c.status]}>{t(`coupons.status.${c.status}`)}</Tag>
                {c.status === 'active' ? <Button onClick={() => setStatus('paused')}>{t('coupons.pause')}</Button> : <Button onClick={() => setStatus('active')}>{t('coupons.activate')}</Button>}
              </Space>
            }
          >
            <Descriptions size="small" column={3}>
              <Descriptions.Item label={t('coupons.benefit')}>{benefitText(c, lang)}</Descriptions.Item>
              <Descriptions.Item label={t('coupons.validity')}>{validityText(c, lang, dt)}</Descriptions.Item>
              <Descriptions.Item label={t('coupons.issued')}>{num(c.issued_count)}</Descriptions.Item>
              <Descriptions.Item label={t('coupons.limit')}>{c.total_limit === null ? '∞' : num(c.total_limit)}</Descriptions.Item>
              <Descriptions.Item label={t('coupons.perMember')}>{c.per_member_limit === null ? '∞' : num(c.per_member_limit)}</Descriptions.Item>
              <Descriptions.Item label={t('common.createdAt')}>{dt(c.created_at)}</Descriptions.Item>
            </Descriptions>
          </Card>
        )}
      </Async>
      <Row gutter={16}>
        <Col span={12}>
          <Card title={t('coupons.funnel')}>
            <Async state={funnel}>
              {(f) => (
                <>
                  <Row gutter={8}>
                    <Col span={6}><Statistic title={t('coupons.f.issued')} value={f.issued} /></Col>
                    <Col span={6}><Statistic title={t('coupons.f.claimed')} value={f.claimed} /></Col>
                    <Col span={6}><Statistic title={t('coupons.f.used')} value={f.used} /></Col>
                    <Col span={6}><Statistic title={t('coupons.f.discount')} value={f.discount} prefix="¥" /></Col>
                  </Row>
                  <Chart
                    testId="coupon-funnel"
                    height={240}
                    option={{
                      tooltip: { trigger: 'item' },
                      series: [{
                        type: 'funnel', left: '10%', width: '80%', sort: 'none', minSize: '8%',
                        label: { position: 'inside', formatter: '{b}: {c}', color: '#fff' },
                        data: [
                          { name: t('coupons.f.issued'), value: f.issued },
                          { name: t('coupons.f.claimed'), value: f.claimed },
                          { name: t('coupons.f.used'), value: f.used },
                        ],
                      }],
                    }}
                  />
                  <Typography.Text type="secondary">
                    {t('coupons.f.claimRate')} {pct(f.claim_rate, num)} · {t('coupons.f.useRate')} {pct(f.use_rate, num)} · {t('coupons.f.expired')} {num(f.expired)} · {t('coupons.f.voided')} {num(f.voided)}
                  </Typography.Text>
                </>
              )}
            </Async>
          </Card>
        </Col>
        <Col span={12}>
          <IssueToSegment template={ref} onIssued={() => { funnel.reload(); tpl.reload(); }} />
        </Col>
      </Row>
      <Batches template={ref} />
    </Space>
  );
}

function IssueToSegment({ template, onIssued }: { template: string; onIssued(): void }) {
  const { t, num } = useI18n();
  const { modal } = App.useApp();
  const segments = useLoad((signal) => api('get', '/api/segments', { signal }), []);
  const [segment, setSegment] = useState<string>();
  const [result, setResult] = useState<CouponIssueResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const chosen = useMemo(() => segments.data?.data.find((s: Segment) => s.id === segment), [segments.data, segment]);
  const issue = () => {
    if (!chosen) return;
    modal.confirm({
      title: t('coupons.issueConfirmTitle'),
      content: t('coupons.issueConfirm').replace('{n}', num(chosen.member_count ?? 0)).replace('{segment}', chosen.name),
      okText: t('coupons.issue'),
      cancelText: t('common.cancel'),
      okButtonProps: { 'data-testid': 'issue-confirm' },
      onOk: async () => {
        setBusy(true);
        setError(null);
        try {
          setResult(await api('post', '/api/coupons/issue', { body: { template, segment: chosen.id, claimed: true, source: 'console' } }));
          onIssued();
        } catch (e) {
          setError(e);
        } finally {
          setBusy(false);
        }
      },
    });
  };
  return (
    <Card title={t('coupons.issueToSegment')}>
      <Space direction="vertical" style={{ width: '100%' }}>
        <Space wrap>
          <Select
            data-testid="issue-segment"
            style={{ minWidth: 260 }}
            placeholder={t('coupons.pickSegment')}
            loading={segments.loading}
            value={segment}
            onChange={setSegment}
            showSearch
            optionFilterProp="label"
            options={(segments.data?.data ?? []).map((s: Segment) => ({ value: s.id, label: `${s.name} (${s.member_count === null ? '?' : num(s.member_count)})` }))}
          />
          <Button type="primary" disabled={!chosen} loading={busy} onClick={issue} data-testid="issue-submit">{t('coupons.issue')}</Button>
        </Space>
        {chosen ? <Typography.Text type="secondary" data-testid="issue-count">{t('coupons.willIssue').replace('{n}', num(chosen.member_count ?? 0))}</Typography.Text> : null}
        {segments.error ? <ErrorAlert error={segments.error} onRetry={segments.reload} /> : null}
        {error ? <ErrorAlert error={error} /> : null}
        {result ? (
          <Descriptions size="small" column={2} bordered data-testid="issue-result">
            <Descriptions.Item label={t('coupons.r.matched')}>{num(result.matched)}</Descriptions.Item>
            <Descriptions.Item label={t('coupons.r.issued')}><span data-testid="issue-issued">{num(result.issued)}</span></Descriptions.Item>
            <Descriptions.Item label={t('coupons.r.memberLimit')}>{num(result.skipped.member_limit)}</Descriptions.Item>
            <Descriptions.Item label={t('coupons.r.totalLimit')}>{num(result.skipped.total_limit)}</Descriptions.Item>
          </Descriptions>
        ) : null}
      </Space>
    </Card>
  );
}

function Batches({ template }: { template: string }) {
  const { t, num, dt } = useI18n();
  const list = useLoad((signal) => api('get', '/api/coupons/templates/{ref}/batches', { path: { ref: template }, signal }), [template]);
  const [form] = Form.useForm<{ count: number; prefix?: string; length?: number; shared: boolean; name?: string }>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const generate = async (v: { count: number; prefix?: string; length?: number; shared: boolean; name?: string }) => {
    setBusy(true);
    setError(null);
    try {
      const format: Record<string, unknown> = {};
      if (v.prefix) format.prefix = v.prefix.toUpperCase();
      if (v.length) format.length = v.length;
      await api('post', '/api/coupons/templates/{ref}/batches', { path: { ref: template }, body: { count: v.count, shared: v.shared, ...(v.name ? { name: v.name } : {}), ...(Object.keys(format).length ? { format } : {}) } });
      list.reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t('coupons.batches')}>
      <Form form={form} layout="inline" onFinish={generate} initialValues={{ count: 100, shared: false }} style={{ marginBottom: 16, rowGap: 8 }}>
        <Form.Item name="count" label={t('coupons.count')} rules={[{ required: true, message: t('form.required') }]}><InputNumber min={1} max={1_000_000} /></Form.Item>
        <Form.Item name="prefix" label={t('coupons.prefix')} rules={[{ pattern: /^[A-Za-z0-9-]*$/, message: t('coupons.prefixInvalid') }]}><Input style={{ width: 110 }} /></Form.Item>
        <Form.Item name="length" label={t('coupons.length')}><InputNumber min={4} max={64} /></Form.Item>
        <Form.Item name="shared" label={t('coupons.shared')} valuePropName="checked"><Switch /></Form.Item>
        <Button htmlType="submit" loading={busy}>{t('coupons.generate')}</Button>
      </Form>
      {error ? <div style={{ marginBottom: 12 }}><ErrorAlert error={error} /></div> : null}
      <Async state={list} empty={(d) => d.data.length === 0}>
        {(d) => (
          <Table<CouponBatch>
            rowKey="id"
            size="small"
            dataSource={d.data}
            pagination={false}
            columns={[
              { title: 'ID', dataIndex: 'id', render: (v: string) => <code>{v}</code> },
              { title: t('common.name'), dataIndex: 'name', render: (v: string | null) => v ?? '—' },
              { title: t('coupons.kind'), dataIndex: 'kind', render: (k: string) => <Tag>{t(k === 'generated' ? 'coupons.generated' : 'coupons.uploaded')}</Tag> },
              { title: t('coupons.shared'), dataIndex: 'shared', render: (s: boolean) => (s ? t('common.yes') : t('common.no')) },
              { title: t('coupons.count'), dataIndex: 'code_count', align: 'right', render: (n: number) => num(n) },
              { title: t('coupons.f.claimed'), dataIndex: 'claimed', align: 'right', render: (n?: number) => num(n ?? 0) },
              { title: t('common.createdAt'), dataIndex: 'created_at', render: (v: string) => dt(v) },
            ]}
          />
        )}
      </Async>
    </Card>
  );
}

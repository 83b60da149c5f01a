// Loyalty: the program (tiers with thresholds, benefits and member counts; edited in a form — tiers, basis, downgrade,
// earn rules, expiry — or as JSON, validated by the API with the field it refuses), earn rules, the rewards catalogue
// (create / edit), member day and birthday settings (forms), and the referral and group-buy reports. The tab is in the
// URL (?tab=).
import { useState } from 'react';
import { Alert, App, Button, Card, Col, Descriptions, Empty, Popconfirm, Row, Segmented, Space, Statistic, Table, Tabs, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../../api/client';
import type { LoyaltyTier, Reward } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { Chart } from '../../components/Chart';
import { JsonEditor, PageHead } from '../../components/forms';
import { pct } from '../../format';
import { BirthdayForm } from './birthday-form';
import { MemberDayForm } from './member-day-form';
import { ProgramForm } from './program-form';
import { basisLabel, benefitLabels, capsLabel, downgradeLabel, listLabel, orderRuleRows, whereLabel } from './program-describe';
import { RewardForm } from './reward-form';

const EXAMPLE_PROGRAM = {
  program: {
    basis: { metric: 'points_earned', window: { type: 'rolling', days: 365 } },
    tiers: [
      { code: 'regular', name: { zh: '普通', en: 'Regular' }, threshold: 0 },
      { code: 'silver', name: { zh: '银卡', en: 'Silver' }, threshold: 1000, benefits: { pointsMultiplier: 1.2 } },
      { code: 'gold', name: { zh: '金卡', en: 'Gold' }, threshold: 5000, benefits: { pointsMultiplier: 1.5, discountPercent: 5 } },
    ],
  },
  earn: { order: { rate: { points: 1, per: 1 }, rounding: 'floor' } },
};

const val = (v: unknown) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

export function Loyalty() {
  const { t } = useI18n();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') ?? 'tiers';
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageHead title="loyalty.title" />
      <Card>
        <Tabs
          activeKey={tab}
          onChange={(k) => setParams({ tab: k })}
          destroyOnHidden
          items={[
            { key: 'tiers', label: t('loyalty.tiers'), children: <TiersTab /> },
            { key: 'earn', label: t('loyalty.earn'), children: <EarnTab /> },
            { key: 'rewards', label: t('loyalty.rewards'), children: <RewardsTab /> },
            { key: 'member-day', label: t('loyalty.memberDay'), children: <ConfigTab kind="member-day" /> },
            { key: 'birthday', label: t('loyalty.birthday'), children: <ConfigTab kind="birthday" /> },
            { key: 'reports', label: t('loyalty.reports'), children: <ReportsTab /> },
          ]}
        />
      </Card>
    </Space>
  );
}

const missingProgram = (e: unknown) => e instanceof ApiError && e.code === 'loyalty.program_not_found';

function TiersTab() {
  const { t, num, lang } = useI18n();
  const program = useLoad((signal) => api('get', '/api/loyalty/program', { signal }), []);
  const tiers = useLoad((signal) => api('get', '/api/loyalty/tiers', { signal }).catch((e) => (missingProgram(e) ? { data: [] as LoyaltyTier[] } : Promise.reject(e))), []);
  const [editing, setEditing] = useState(false);
  const [asJson, setAsJson] = useState(false);
  const name = (x: LoyaltyTier) => (typeof x.name === 'string' ? x.name : (lang === 'zh' ? x.name.zh : x.name.en) ?? x.name.zh ?? x.code);
  const none = missingProgram(program.error);
  const { message } = App.useApp();
  const [reviewing, setReviewing] = useState(false);
  const reviewAll = async () => {
    setReviewing(true);
    try {
      const r = await api('post', '/api/loyalty/tiers/review', { body: { all: true } });
      message.success(t('loyalty.reviewAllDone').replace('{reviewed}', num(r.reviewed)).replace('{upgraded}', num(r.upgraded)).replace('{downgraded}', num(r.downgraded)));
      tiers.reload();
    } catch (e) {
      message.error(e instanceof Error ? e.message : String(e));
    } finally {
      setReviewing(false);
    }
  };
  const save = async (v: unknown) => {
    await api('put', '/api/loyalty/program', { body: v as never });
    program.reload();
    tiers.reload();
    setEditing(false);
  };
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      {none ? <Alert type="info" showIcon message={t('loyalty.noProgram')} /> : null}
      {!none && tiers.data ? (
        <Async state={tiers} empty={(d) => d.data.length === 0}>
          {(d) => (
            <Row gutter={16}>
              <Col span={15}>
                <Table<LoyaltyTier>
                  rowKey="code"
                  size="small"
                  pagination={false}
                  data-testid="tiers-table"
                  dataSource={d.data}
                  columns={[
                    { title: t('loyalty.tier'), render: (_, x) => <Space><Tag color="gold">{x.code}</Tag>{name(x)}</Space> },
                    { title: t('loyalty.threshold'), dataIndex: 'threshold', align: 'right', render: (n: number) => num(n) },
                    {
                      title: t('loyalty.benefits'),
                      dataIndex: 'benefits',
                      render: (b?: Record<string, unknown>) => {
                        const labels = benefitLabels(b, t, num);
                        return labels.length ? labels.map((l) => <Tag key={l}>{l}</Tag>) : '—';
                      },
                    },
                    { title: t('loyalty.members'), dataIndex: 'members', align: 'right', render: (n?: number) => num(n ?? 0) },
                  ]}
                />
              </Col>
              <Col span={9}>
                <Chart height={220} option={{ tooltip: {}, grid: { left: 60, right: 20, top: 10, bottom: 30 }, xAxis: { type: 'value', minInterval: 1 }, yAxis: { type: 'category', data: d.data.map(name) }, series: [{ type: 'bar', name: t('loyalty.members'), data: d.data.map((x) => x.members ?? 0), itemStyle: { color: '#c9a227' } }] }} />
              </Col>
            </Row>
          )}
        </Async>
      ) : null}
      {program.error && !none ? <ErrorAlert error={program.error} onRetry={program.reload} /> : null}
      {!program.error && program.data?.program ? (
        <Descriptions size="small" column={2} bordered>
          <Descriptions.Item label={t('loyalty.basis')}>{basisLabel(program.data.program.basis as Record<string, unknown>, t)}</Descriptions.Item>
          <Descriptions.Item label={t('loyalty.downgrade')}>{downgradeLabel(program.data.program.downgrade as Record<string, unknown>, t)}</Descriptions.Item>
        </Descriptions>
      ) : null}
      <Space>
        <Button onClick={() => setEditing((e) => !e)} data-testid="program-edit">{editing ? t('common.cancel') : t('loyalty.editProgram')}</Button>
        {!none && program.data ? (
          <Popconfirm title={t('loyalty.reviewAll')} description={<div style={{ maxWidth: 360 }}>{t('loyalty.reviewAllConfirm')}</div>} onConfirm={reviewAll}>
            <Button loading={reviewing} data-testid="tiers-review-all">{t('loyalty.reviewAll')}</Button>
          </Popconfirm>
        ) : null}
      </Space>
      {editing && (program.data || none) ? (
        <>
          <Space>
            <Segmented data-testid="program-mode" value={asJson ? 'json' : 'form'} onChange={(v) => setAsJson(v === 'json')} options={[{ value: 'form', label: t('lf.form') }, { value: 'json', label: t('lf.json') }]} />
            <Typography.Text type="secondary">{t(asJson ? 'loyalty.programHint' : 'lf.formHint')}</Typography.Text>
          </Space>
          {asJson ? (
            <JsonEditor testId="program-json" rows={22} value={none ? EXAMPLE_PROGRAM : { program: program.data!.program, earn: program.data!.earn, lots: program.data!.lots, refunds: program.data!.refunds, transfers: program.data!.transfers }} onSave={save} />
          ) : (
            <ProgramForm
              base={none ? EXAMPLE_PROGRAM : { program: program.data!.program, earn: program.data!.earn ?? null, lots: program.data!.lots }}
              onCancel={() => setEditing(false)}
              onSaved={() => {
                program.reload();
                tiers.reload();
                setEditing(false);
              }}
            />
          )}
        </>
      ) : null}
    </Space>
  );
}

function EarnTab() {
  const { t, num } = useI18n();
  const program = useLoad((signal) => api('get', '/api/loyalty/program', { signal }), []);
  if (missingProgram(program.error)) return <Alert type="info" showIcon message={t('loyalty.noProgram')} />;
  return (
    <Async state={program}>
      {(p) => (
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Title level={5}>{t('loyalty.orderRule')}</Typography.Title>
          {p.earn?.order ? (
            <Descriptions size="small" column={3} bordered>
              {orderRuleRows(p.earn.order as Record<string, unknown>, t, num).map(([k, v]) => <Descriptions.Item key={k} label={k}>{v}</Descriptions.Item>)}
            </Descriptions>
          ) : <Empty description={t('common.empty')} />}
          <Typography.Title level={5}>{t('loyalty.eventRules')}</Typography.Title>
          <Table
            rowKey={(r) => String(r.event)}
            size="small"
            pagination={false}
            dataSource={p.earn?.events ?? []}
            columns={[
              { title: t('loyalty.event'), dataIndex: 'event', render: (v: string) => <code>{v}</code> },
              { title: t('loyalty.points'), dataIndex: 'points' },
              { title: t('loyalty.caps'), dataIndex: 'caps', render: (v: unknown) => capsLabel(v, t) },
              { title: t('loyalty.track'), dataIndex: 'track', render: listLabel },
              { title: t('loyalty.where'), dataIndex: 'where', render: whereLabel },
            ]}
          />
        </Space>
      )}
    </Async>
  );
}

function useTierCodes() {
  const tiers = useLoad((signal) => api('get', '/api/loyalty/tiers', { signal }).catch(() => ({ data: [] as LoyaltyTier[] })), []);
  return (tiers.data?.data ?? []).map((x) => x.code);
}

function RewardsTab() {
  const { t, num, dt } = useI18n();
  const { message } = App.useApp();
  const list = useLoad((signal) => api('get', '/api/loyalty/rewards', { signal }), []);
  const tierCodes = useTierCodes();
  const [editing, setEditing] = useState<Reward | 'new' | null>(null);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')} data-testid="reward-new">{t('lf.rewardNew')}</Button>
      {editing ? (
        <RewardForm
          reward={editing === 'new' ? null : editing}
          tiers={tierCodes}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            message.success(t('common.saved'));
            list.reload();
          }}
        />
      ) : null}
    <Async state={list} empty={(d) => d.data.length === 0}>
      {(d) => (
        <Table<Reward>
          rowKey="id"
          size="small"
          data-testid="rewards-table"
          dataSource={d.data}
          columns={[
            { title: t('common.name'), dataIndex: 'name' },
            { title: t('loyalty.pointsCost'), dataIndex: 'points_cost', align: 'right', render: (n: number) => num(n) },
            { title: t('loyalty.stock'), dataIndex: 'stock', align: 'right', render: (n: number | null) => (n === null ? '∞' : num(n)) },
            { title: t('loyalty.redeemed'), dataIndex: 'redeemed', align: 'right', render: (n: number) => num(n) },
            { title: t('coupons.perMember'), dataIndex: 'per_member_limit', align: 'right', render: (n: number | null) => (n === null ? '∞' : num(n)) },
            { title: t('loyalty.tiers'), dataIndex: 'tiers', render: (x: string[] | null) => (x?.length ? x.map((c) => <Tag key={c}>{c}</Tag>) : t('common.all')) },
            { title: t('loyalty.window'), render: (_, r) => (r.starts_at || r.ends_at ? `${dt(r.starts_at)} – ${dt(r.ends_at)}` : '—') },
            { title: t('common.status'), dataIndex: 'active', render: (a: boolean) => <Tag color={a ? 'green' : 'default'}>{a ? t('loyalty.active') : t('loyalty.retired')}</Tag> },
            { title: '', render: (_, r) => <Button size="small" onClick={() => setEditing(r)}>{t('settings.edit')}</Button> },
          ]}
        />
      )}
    </Async>
    </Space>
  );
}

function ConfigTab({ kind }: { kind: 'member-day' | 'birthday' }) {
  const { t } = useI18n();
  const path = kind === 'member-day' ? '/api/loyalty/member-day' : '/api/loyalty/birthday';
  const tierCodes = useTierCodes();
  const cfg = useLoad(async (signal) => {
    const r = await api('get', path, { signal });
    return ('member_day' in r ? r.member_day : (r as { birthday: Record<string, unknown> | null }).birthday) ?? null;
  }, [kind]);
  return (
    <Async state={cfg}>
      {(c) => (
        <Row gutter={24}>
          <Col span={8}>
            {c ? (
              <Descriptions size="small" column={1} bordered>
                {Object.entries(c).map(([k, v]) => <Descriptions.Item key={k} label={k}>{val(v)}</Descriptions.Item>)}
              </Descriptions>
            ) : <Alert type="info" showIcon message={t(kind === 'member-day' ? 'loyalty.memberDayOff' : 'loyalty.birthdayOff')} />}
            <Typography.Paragraph type="secondary" style={{ marginTop: 12 }}>{t(kind === 'member-day' ? 'lf.memberDayHint' : 'lf.birthdayHint')}</Typography.Paragraph>
          </Col>
          <Col span={16}>
            {kind === 'member-day' ? <MemberDayForm value={c} tiers={tierCodes} onSaved={cfg.reload} /> : <BirthdayForm value={c} onSaved={cfg.reload} />}
          </Col>
        </Row>
      )}
    </Async>
  );
}

const REFERRAL_KEYS = ['invites_issued', 'active_inviters', 'attributed', 'accepted', 'waiting_for_trigger', 'rewarded', 'refused', 'first_orders'] as const;

function ReportsTab() {
  const { t, num } = useI18n();
  const referral = useLoad((signal) => api('get', '/api/campaigns/referral/report', { signal }), []);
  const deals = useLoad(async (signal) => {
    const list = await api('get', '/api/campaigns/group-buy/deals', { signal });
    const reports = await Promise.all(list.data.map((d) => api('get', '/api/campaigns/group-buy/deals/{id}/report', { path: { id: d.id }, signal }).catch(() => null)));
    return list.data.map((d, i) => ({ ...d, report: reports[i] }));
  }, []);
  return (
    <Space direction="vertical" style={{ width: '100%' }} size="large">
      <div>
        <Typography.Title level={5}>{t('loyalty.referral')}</Typography.Title>
        <Async state={referral}>
          {(r) => {
            const f = (r.funnel ?? {}) as Record<string, number>;
            return (
              <Space direction="vertical" style={{ width: '100%' }}>
                <Row gutter={16}>
                  {REFERRAL_KEYS.map((k) => <Col key={k} span={3}><Statistic title={t(`loyalty.ref.${k}`)} value={f[k] ?? 0} /></Col>)}
                </Row>
                <Descriptions size="small" column={4} bordered data-testid="referral-report">
                  <Descriptions.Item label="k-factor">{num(r.k_factor as number, { maximumFractionDigits: 3 })}</Descriptions.Item>
                  <Descriptions.Item label="paid k-factor">{num(r.paid_k_factor as number, { maximumFractionDigits: 3 })}</Descriptions.Item>
                  <Descriptions.Item label={t('loyalty.conversion')}>{pct(r.conversion as number, num)}</Descriptions.Item>
                  <Descriptions.Item label={t('loyalty.refusals')}>{val(r.refused_by_reason)}</Descriptions.Item>
                </Descriptions>
              </Space>
            );
          }}
        </Async>
      </div>
      <div>
        <Typography.Title level={5}>{t('loyalty.groupBuy')}</Typography.Title>
        <Async state={deals} empty={(d) => d.length === 0}>
          {(d) => (
            <Table
              rowKey="id"
              size="small"
              pagination={false}
              dataSource={d}
              columns={[
                { title: t('common.name'), render: (_, x) => String(x.name ?? x.id) },
                { title: t('common.status'), dataIndex: 'status', render: (s: string) => <Tag>{s}</Tag> },
                ...(['groups', 'success', 'failed', 'open', 'seats'] as const).map((k) => ({ title: t(`loyalty.gb.${k}`), align: 'right' as const, render: (_: unknown, x: { report: Record<string, unknown> | null }) => num(Number(x.report?.[k] ?? 0)) })),
                { title: t('loyalty.gb.successRate'), align: 'right', render: (_, x) => pct(Number(x.report?.success_rate ?? 0), num) },
              ]}
            />
          )}
        </Async>
      </div>
    </Space>
  );
}

// A campaign's report: reach, delivery, conversions and revenue per group, and the lift over the holdout with 95% CIs.
import { Col, Descriptions, Row, Space, Statistic, Table, Typography } from 'antd';
import type { CampaignReport, Interval } from '../../api/types';
import { useI18n } from '../../i18n';
import { pct } from '../../format';

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

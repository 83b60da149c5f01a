// Member 360 card of the member's tier, points balance, points expiring and points lots.
import { Card, Descriptions, Table } from 'antd';
import type { Member360 } from '../../api/types';
import { useI18n } from '../../i18n';

export function LoyaltyCard({ loyalty, tierName }: { loyalty: Member360['loyalty']; tierName: string | null }) {
  const { t, num, dt } = useI18n();
  return (
    <Card title={t('m360.loyalty')} size="small">
      <Descriptions size="small" column={3}>
        <Descriptions.Item label={t('m360.tier')}>{tierName ?? '—'}</Descriptions.Item>
        <Descriptions.Item label={t('m360.points')}>{num(loyalty.points_balance)}</Descriptions.Item>
        <Descriptions.Item label={t('m360.expiring')}>{num(loyalty.points_expiring.points)}</Descriptions.Item>
      </Descriptions>
      {loyalty.points_lots.length > 0 && (
        <Table
          size="small"
          title={() => t('m360.lots')}
          rowKey={(r, i) => String(r.id ?? i)}
          pagination={false}
          dataSource={loyalty.points_lots}
          columns={Object.keys(loyalty.points_lots[0]).slice(0, 5).map((k) => ({ title: k, dataIndex: k, render: (v: unknown) => (typeof v === 'string' && k.endsWith('_at') ? dt(v) : String(v ?? '—')) }))}
        />
      )}
    </Card>
  );
}

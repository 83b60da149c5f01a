// Member 360 cards of the member record itself: attributes, consumption traits and identities.
import { Card, Descriptions, Empty, Table } from 'antd';
import type { Member360 } from '../../api/types';
import { useI18n, type MessageKey } from '../../i18n';
import { formatMetric } from '../../format';
import { useLabel } from './use-label';

const TRAITS = ['order_count', 'total_spend', 'avg_spend', 'refund_total', 'first_order_at', 'last_order_at', 'favourite_category', 'favourite_product', 'preferred_channel', 'last_seen_at'] as const;

/** Profile fields first, in this order, with their names in the console's language; custom attributes after. */
const PROFILE_FIELDS = ['name', 'gender', 'birthday', 'age', 'phone', 'email', 'region', 'city', 'address'];

export function AttributesCard({ attributes }: { attributes: Member360['attributes'] }) {
  const { t } = useI18n();
  const label = useLabel();
  const rank = (k: string) => (PROFILE_FIELDS.includes(k) ? PROFILE_FIELDS.indexOf(k) : PROFILE_FIELDS.length);
  const entries = Object.entries(attributes).sort((a, b) => rank(a[0]) - rank(b[0]));
  const shown = (k: string, v: unknown) =>
    v === null || v === undefined || v === '' ? '—' : k === 'gender' ? label('gender.', String(v)) : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return (
    <Card title={t('m360.attributes')} size="small">
      <Descriptions size="small" column={2}>
        {entries.map(([k, v]) => (
          <Descriptions.Item key={k} label={PROFILE_FIELDS.includes(k) ? label('attr.', k) : <code>{k}</code>}>{shown(k, v)}</Descriptions.Item>
        ))}
      </Descriptions>
    </Card>
  );
}

export function TraitsCard({ traits }: { traits: Member360['traits'] }) {
  const { t, num, dt } = useI18n();
  return (
    <Card title={t('m360.traits')} size="small">
      {traits ? (
        <Descriptions size="small" column={2}>
          {TRAITS.map((k) => {
            const v = traits![k];
            const shown = typeof v === 'number' ? formatMetric(k, v, num) : k.endsWith('_at') ? dt(v) : v ?? '—';
            return <Descriptions.Item key={k} label={t(`trait.${k}` as MessageKey)}>{shown}</Descriptions.Item>;
          })}
        </Descriptions>
      ) : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />}
    </Card>
  );
}

export function IdentitiesCard({ identities }: { identities: Member360['identities'] }) {
  const { t, dt } = useI18n();
  return (
    <Card title={t('m360.identities')} size="small">
      <Table
        size="small"
        rowKey={(r) => `${r.type}:${r.value}`}
        pagination={false}
        dataSource={identities}
        columns={[
          { title: t('m360.identity.type'), dataIndex: 'type' },
          { title: t('m360.identity.value'), dataIndex: 'value', ellipsis: true },
          { title: t('m360.identity.channel'), dataIndex: 'source_channel' },
          { title: t('m360.identity.lastSeen'), dataIndex: 'last_seen_at', render: (v: string) => dt(v) },
        ]}
      />
    </Card>
  );
}

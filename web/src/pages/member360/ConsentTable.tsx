// Member 360 table of the member's effective consent per channel and purpose.
import { Table, Tag } from 'antd';
import type { Member360 as M360 } from '../../api/types';
import { useI18n } from '../../i18n';

export function ConsentTable({ effective }: { effective: M360['consents']['effective'] }) {
  const { t } = useI18n();
  const purposes = Object.keys(effective);
  const channels = [...new Set(purposes.flatMap((p) => Object.keys(effective[p])))];
  return (
    <Table
      size="small"
      rowKey="channel"
      pagination={false}
      dataSource={channels.map((channel) => ({ channel }))}
      columns={[
        { title: '', dataIndex: 'channel' },
        ...purposes.map((p) => ({
          title: p === 'marketing' ? t('m360.consent.marketing') : p === 'service' ? t('m360.consent.service') : p,
          render: (_: unknown, r: { channel: string }) => {
            const c = effective[p][r.channel];
            return c ? <Tag color={c.allowed ? 'green' : 'default'}>{c.allowed ? t('common.yes') : t('common.no')} · {c.basis}</Tag> : '—';
          },
        })),
      ]}
    />
  );
}

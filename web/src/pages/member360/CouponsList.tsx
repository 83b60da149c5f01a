// Member 360 list of the member's coupons (all statuses, latest 20).
import { Table, Tag } from 'antd';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { Async, useLoad } from '../../components/state';

export function CouponsList({ memberId }: { memberId: string }) {
  const { dt } = useI18n();
  const coupons = useLoad((signal) => api('get', '/api/members/{ref}/coupons', { path: { ref: memberId }, query: { status: 'all', limit: 20 }, signal }), [memberId]);
  return (
    <Async state={coupons} empty={(d) => d.data.length === 0}>
      {(d) => (
        <Table
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={d.data}
          columns={[
            { title: 'code', dataIndex: 'code' },
            { title: 'template', render: (_, c) => c.template.name ?? c.template.id },
            { title: 'status', dataIndex: 'status', render: (s: string) => <Tag>{s}</Tag> },
            { title: 'valid_to', dataIndex: 'valid_to', render: (v: string | null) => dt(v) },
          ]}
        />
      )}
    </Async>
  );
}

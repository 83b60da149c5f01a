// Member 360 table of the journeys the member is or was in, with state and current step.
import { Table, Tag } from 'antd';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import type { MemberJourney } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, useLoad } from '../../components/state';
import { useLabel } from './use-label';

export function MemberJourneys({ memberId }: { memberId: string }) {
  const { t, dt } = useI18n();
  const label = useLabel();
  const journeys = useLoad((signal) => api('get', '/api/members/{ref}/journeys', { path: { ref: memberId }, signal }), [memberId]);
  const color = (s: string) => (s === 'active' ? 'processing' : s === 'goal' || s === 'completed' ? 'success' : s === 'failed' ? 'error' : 'default');
  return (
    <Async state={journeys} empty={(d) => d.data.length === 0}>
      {(d) => (
        <Table<MemberJourney>
          size="small"
          rowKey="id"
          pagination={d.data.length > 10 ? { pageSize: 10, size: 'small' } : false}
          dataSource={d.data}
          columns={[
            { title: t('m360.journey.name'), render: (_, j) => <Link to={`/engagement/journeys/${encodeURIComponent(j.journey_id)}`}>{j.journey_name ?? j.journey_id}</Link> },
            { title: t('m360.journey.version'), dataIndex: 'version', render: (v: number) => `v${v}` },
            { title: t('m360.journey.state'), dataIndex: 'state', render: (s: string) => <Tag color={color(s)}>{label('m360.journey.state.', s)}</Tag> },
            { title: t('m360.journey.step'), dataIndex: 'step_id', render: (v: string | null) => v ?? '—' },
            { title: t('m360.journey.entered'), dataIndex: 'entered_at', render: (v: string) => dt(v) },
            { title: t('m360.journey.ended'), dataIndex: 'ended_at', render: (v: string | null) => dt(v) },
          ]}
        />
      )}
    </Async>
  );
}

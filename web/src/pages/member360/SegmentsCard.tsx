// Member 360 card of the segments the member is in, with when they entered.
import { Card, List, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { Async, useLoad } from '../../components/state';

export function SegmentsCard({ memberId }: { memberId: string }) {
  const { t, dt } = useI18n();
  const segments = useLoad((signal) => api('get', '/api/members/{ref}/segments', { path: { ref: memberId }, signal }), [memberId]);
  return (
    <Card title={t('m360.segments')} size="small">
      <Async state={segments} empty={(d) => d.data.length === 0}>
        {(d) => (
          <List
            size="small"
            dataSource={d.data}
            renderItem={(s) => (
              <List.Item extra={<Typography.Text type="secondary">{t('m360.enteredAt')} {dt(s.entered_at ?? null)}</Typography.Text>}>
                <Link to={`/segments/${encodeURIComponent(String(s.id ?? s.segment_id))}`}>{s.name}</Link>
              </List.Item>
            )}
          />
        )}
      </Async>
    </Card>
  );
}

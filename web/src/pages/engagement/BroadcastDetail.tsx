// A broadcast's page: its settings, live progress, the campaign report with holdout lift, a test send, and (for a
// draft) editing and scheduling.
import { useState } from 'react';
import { App, Button, Card, Col, Descriptions, Row, Segmented, Space, Statistic, Tag, Typography } from 'antd';
import { EditOutlined, ExperimentOutlined } from '@ant-design/icons';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { api, ApiError } from '../../api/client';
import type { BroadcastSchedule } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { pct } from '../../format';
import { EditDraftModal, SendTestModal } from './BroadcastDialogs';
import { LIVE, ProgressBar, StatusTag, usePoll } from './BroadcastStatus';
import { CampaignReportView } from './CampaignReportView';
import { useJt } from './journey-strings';
import { useChannelLabels } from './BroadcastFields';

const isTerminal = (s?: string) => s === 'completed' || s === 'cancelled' || s === 'failed';

export function BroadcastDetail() {
  const { id = '' } = useParams();
  const { t, num, dt } = useI18n();
  const channelLabel = useChannelLabels();
  const { message } = App.useApp();
  const [params, setParams] = useSearchParams();
  const windowDays = Number(params.get('window') ?? '') || undefined;
  const b = useLoad((signal) => api('get', '/api/broadcasts/{id}', { path: { id }, signal }), [id]);
  const progress = useLoad((signal) => api('get', '/api/broadcasts/{id}/progress', { path: { id }, signal }), [id]);
  const status = progress.data?.status ?? b.data?.status;
  const reloadAll = () => {
    progress.reload();
    b.reload();
  };
  usePoll(!isTerminal(status) && status !== 'draft' && status !== undefined, reloadAll, 1500);
  const report = useLoad(
    (signal) => (b.data ? api('get', '/api/measurement/campaigns/{sourceKey}/report', { path: { sourceKey: b.data.source_key ?? `broadcast:${id}` }, query: { window_days: windowDays }, signal }) : new Promise<never>(() => undefined)),
    [b.data?.id, windowDays, status, progress.data?.counts.sent],
  );
  const jt = useJt();
  const [dialog, setDialog] = useState<'test' | 'edit' | null>(null);
  const cancel = async () => {
    try {
      await api('post', '/api/broadcasts/{id}/cancel', { path: { id } });
      reloadAll();
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  const schedule = async () => {
    try {
      await api('post', '/api/broadcasts/{id}/schedule', { path: { id }, body: {} });
      reloadAll();
    } catch (e) {
      message.error(`${(e as Error).message}${e instanceof ApiError ? ` (${e.code})` : ''}`);
    }
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Link to="/engagement/broadcasts">← {t('broadcasts.title')}</Link>
      <Async state={b}>
        {(x) => (
          <Card
            title={<span data-testid="broadcast-title">{x.name}</span>}
            extra={
              <Space>
                <StatusTag status={status ?? x.status} />
                <Button icon={<ExperimentOutlined />} onClick={() => setDialog('test')} data-testid="broadcast-send-test">{jt('bt.sendTest')}</Button>
                {(status ?? x.status) === 'draft' ? <Button icon={<EditOutlined />} onClick={() => setDialog('edit')} data-testid="broadcast-edit">{jt('bt.edit')}</Button> : null}
                {(status ?? x.status) === 'draft' ? <Button type="primary" onClick={schedule} data-testid="broadcast-schedule">{jt('bt.schedule')}</Button> : null}
                {LIVE.has(status ?? '') ? <Button danger onClick={cancel}>{t('broadcasts.cancel')}</Button> : null}
              </Space>
            }
          >
            {dialog === 'test' ? <SendTestModal id={x.id} onClose={() => setDialog(null)} /> : null}
            {dialog === 'edit' ? <EditDraftModal b={x} onClose={() => setDialog(null)} onSaved={() => { setDialog(null); reloadAll(); }} /> : null}
            <Descriptions size="small" column={3}>
              <Descriptions.Item label={t('broadcasts.channel')}>{channelLabel(x.channel_id, x.channel_type)}</Descriptions.Item>
              <Descriptions.Item label={t('broadcasts.purpose')}>{t(`broadcasts.purpose.${x.purpose ?? 'marketing'}` as 'broadcasts.purpose.marketing')}</Descriptions.Item>
              <Descriptions.Item label={t('broadcasts.holdout')}>{pct(x.holdout_share ?? 0, num)}</Descriptions.Item>
              <Descriptions.Item label={t('broadcasts.schedule')}>{scheduleText(x.schedule, t, dt)}</Descriptions.Item>
              <Descriptions.Item label={t('broadcasts.rate')}>{x.rate_limit_per_second ? `${num(x.rate_limit_per_second)} ${t('broadcasts.perSecond')}` : t('broadcasts.noRate')}</Descriptions.Item>
              <Descriptions.Item label={t('broadcasts.templateVersion')}>{x.template_version ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('broadcasts.startedAt')}>{dt(x.started_at)}</Descriptions.Item>
              <Descriptions.Item label={t('broadcasts.finishedAt')}>{dt(x.finished_at)}</Descriptions.Item>
              <Descriptions.Item label={t('broadcasts.sourceKey')}><code>{x.source_key}</code></Descriptions.Item>
            </Descriptions>
            {x.error ? <ErrorAlert error={new ApiError(422, x.error.code, x.error.message)} /> : null}
          </Card>
        )}
      </Async>
      <Card title={t('broadcasts.progress')}>
        <Async state={progress}>
          {(p) => (
            <Space direction="vertical" style={{ width: '100%' }}>
              <ProgressBar p={p} />
              <Row gutter={16}>
                <Col span={4}><Statistic title={t('broadcasts.audience')} value={p.audience ?? 0} /></Col>
                <Col span={4}><Statistic title={t('broadcasts.c.sent')} value={p.counts.sent} valueStyle={{ color: '#1f7a5c' }} /></Col>
                <Col span={4}><Statistic title={t('broadcasts.c.pending')} value={p.counts.pending} /></Col>
                <Col span={4}><Statistic title={t('broadcasts.c.failed')} value={p.counts.failed} /></Col>
                <Col span={4}><Statistic title={t('broadcasts.c.skipped')} value={p.counts.skipped} /></Col>
                <Col span={4}><Statistic title={t('broadcasts.c.holdout')} value={p.counts.holdout} /></Col>
              </Row>
              {p.skipped_by_reason && Object.keys(p.skipped_by_reason).length > 0 ? (
                <Space wrap>{Object.entries(p.skipped_by_reason).map(([k, n]) => <Tag key={k}>{k}: {num(n)}</Tag>)}</Space>
              ) : null}
              {p.next_run_at ? <Typography.Text type="secondary">{t('broadcasts.nextRun')} {dt(p.next_run_at)}</Typography.Text> : null}
            </Space>
          )}
        </Async>
      </Card>
      {status === 'draft' ? null : <Card
        title={t('report.title')}
        extra={
          <Segmented
            size="small"
            value={windowDays ?? 0}
            onChange={(v) => setParams(v ? { window: String(v) } : {})}
            options={[{ label: t('report.defaultWindow'), value: 0 }, { label: '3d', value: 3 }, { label: '7d', value: 7 }, { label: '14d', value: 14 }, { label: '30d', value: 30 }]}
          />
        }
      >
        <Async state={report}>{(r) => <CampaignReportView r={r} />}</Async>
      </Card>}
    </Space>
  );
}

function scheduleText(s: BroadcastSchedule | undefined, t: (k: 'broadcasts.when.now') => string, dt: (s: string) => string): string {
  if (!s || s.type === 'now') return t('broadcasts.when.now');
  if (s.type === 'at') return dt(s.at);
  return `${s.date} ${s.time} (${t('broadcasts.when.local' as 'broadcasts.when.now')})`;
}

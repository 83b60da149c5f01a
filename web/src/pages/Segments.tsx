// Segments: the list with sizes, and the RFM 8-segment chart (members and revenue share per segment).
import { useMemo, useState } from 'react';
import { Button, Card, Empty, Space, Table, Tag, Typography } from 'antd';
import { PlusOutlined } from '@ant-design/icons';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../api/client';
import type { RfmDistribution, Segment } from '../api/types';
import { useI18n } from '../i18n';
import { Async, ErrorAlert, useLoad } from '../components/state';
import { Chart, type ChartOption } from '../components/Chart';
import { SegmentInsights } from './segments/Insights';
import { ExportXlsx, SizeTrend } from './segments/Extras';
import { useAuth } from '../auth';

export function Segments() {
  const { t, num, dt } = useI18n();
  const { can } = useAuth(); // actions only for who may take them (docs/permissions.md)
  const navigate = useNavigate();
  const list = useLoad((signal) => api('get', '/api/segments', { signal }), []);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Title level={3} style={{ margin: 0 }}>{t('segments.title')}</Typography.Title>
        {can('segments.write') ? <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/segments/new')} data-testid="new-segment">{t('segments.new')}</Button> : null}
      </Space>
      <Card>
        <Async state={list} empty={(d) => d.data.length === 0}>
          {(d) => (
            <Table<Segment>
              data-testid="segments-table"
              rowKey="id"
              size="middle"
              dataSource={d.data}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              columns={[
                { title: t('segments.col.name'), dataIndex: 'name', render: (n: string, s) => <Link to={`/segments/${encodeURIComponent(s.id)}`}>{n}</Link> },
                { title: t('segments.col.kind'), dataIndex: 'kind', render: (k: string) => <Tag>{k === 'static' ? t('segments.kind.static') : t('segments.kind.dynamic')}</Tag> },
                { title: t('segments.col.size'), dataIndex: 'member_count', align: 'right', render: (n: number | null, s) => <Link to={`/members?segment=${encodeURIComponent(s.id)}`}>{num(n)}</Link> },
                { title: t('segments.col.realtime'), dataIndex: 'realtime', render: (r: boolean) => (r ? t('common.yes') : t('common.no')) },
                { title: t('segments.col.computed'), dataIndex: 'last_computed_at', render: (v: string | null) => dt(v) },
                { title: t('seg.col.trend'), key: 'trend', render: (_: unknown, s) => <SizeTrend segment={s} /> },
                { title: t('seg.col.export'), key: 'export', render: (_: unknown, s) => <ExportXlsx segment={s} /> },
              ]}
            />
          )}
        </Async>
      </Card>
      <RfmCard />
      <SegmentInsights />
    </Space>
  );
}

function RfmCard() {
  const { t, lang, num } = useI18n();
  const rfm = useLoad((signal) => api('get', '/api/rfm/distribution', { signal }), []);
  const [computing, setComputing] = useState<{ busy: boolean; error?: unknown }>({ busy: false });
  const compute = async () => {
    setComputing({ busy: true });
    try {
      await api('post', '/api/rfm/compute', { body: {} });
      setComputing({ busy: false });
      rfm.reload();
    } catch (e) {
      setComputing({ busy: false, error: e });
    }
  };
  return (
    <Card
      title={t('segments.rfm')}
      extra={
        <Space>
          {rfm.data?.as_of && <Typography.Text type="secondary">{t('segments.rfm.asOf')} {rfm.data.as_of}</Typography.Text>}
          <Button size="small" loading={computing.busy} onClick={compute} data-testid="rfm-compute">{t('segments.rfm.compute')}</Button>
        </Space>
      }
    >
      {computing.error ? <ErrorAlert error={computing.error} /> : null}
      <Async state={rfm}>
        {(d) => (d.run_id ? <RfmChart d={d} lang={lang} num={num} /> : <Empty description={t('segments.rfm.none')} />)}
      </Async>
    </Card>
  );
}

function RfmChart({ d, lang, num }: { d: RfmDistribution; lang: string; num: (n: number) => string }) {
  const { t } = useI18n();
  const option = useMemo((): ChartOption => {
    const names = d.segments.map((s) => (lang === 'zh' ? s.name_zh : s.name_en));
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 56, right: 56, top: 40, bottom: 60 },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: 20 } },
      yAxis: [{ type: 'value', name: t('segments.rfm.count') }, { type: 'value', name: t('segments.rfm.revenue'), max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } }],
      series: [
        { name: t('segments.rfm.count'), type: 'bar', data: d.segments.map((s) => s.count), label: { show: true, position: 'top', formatter: (p: { value: number }) => num(p.value) } },
        { name: t('segments.rfm.revenue'), type: 'bar', yAxisIndex: 1, data: d.segments.map((s) => s.revenue_share) },
      ],
    };
  }, [d, lang, num, t]);
  return <div data-testid="rfm-chart"><Chart option={option} height={340} /></div>;
}

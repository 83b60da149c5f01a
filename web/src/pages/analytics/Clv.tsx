// CLV and P(alive) distributions of the stored predictions (the current fit), and "fit now": BG/NBD + Gamma-Gamma
// on the orders up to a calibration end, in weeks or days. The calibration end and unit of the form are in the URL.
import { useMemo, useState } from 'react';
import { App, Button, Card, Col, DatePicker, Descriptions, Empty, Row, Segmented, Space, Statistic, Table, Typography } from 'antd';
import dayjs from 'dayjs';
import { api } from '../../api/client';
import type { HistBucket } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { Chart, type ChartOption } from '../../components/Chart';
import { formatMetric } from '../../format';
import { CsvButton, useQuery } from './kit';

export function Clv() {
  const { t, num, dt } = useI18n();
  const { message } = App.useApp();
  const q = useQuery();
  const calEnd = q.get('calibration_end');
  const unit = q.get('time_unit') === 'day' ? 'day' : 'week';
  const dist = useLoad((signal) => api('get', '/api/clv/distribution', { query: { buckets: 10 }, signal }), []);
  const fits = useLoad((signal) => api('get', '/api/clv/fits', { query: { limit: 1 }, signal }), []);
  const [fit, setFit] = useState<{ busy: boolean; error?: unknown }>({ busy: false });

  const fitNow = async () => {
    setFit({ busy: true });
    try {
      const r = await api('post', '/api/clv/fit', { body: { calibration_end: calEnd, time_unit: unit } });
      message.success(`${t('an.clv.fitted')} · ${num(r.members)} ${t('common.members')}`);
      setFit({ busy: false });
      dist.reload();
      fits.reload();
    } catch (e) {
      setFit({ busy: false, error: e });
    }
  };
  const current = fits.data?.data[0];

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Card title={t('an.clv.fit')}>
        <Space wrap align="center">
          <Typography.Text>{t('an.clv.calibrationEnd')}</Typography.Text>
          <DatePicker data-testid="clv-calibration-end" value={calEnd ? dayjs(calEnd) : null} placeholder={t('an.clv.today')} onChange={(d) => q.set({ calibration_end: d ? d.format('YYYY-MM-DD') : undefined })} />
          <Typography.Text>{t('an.clv.timeUnit')}</Typography.Text>
          <Segmented value={unit} onChange={(v) => q.set({ time_unit: v === 'week' ? undefined : 'day' })} options={[{ value: 'week', label: t('an.unit.week') }, { value: 'day', label: t('an.unit.day') }]} />
          <Button type="primary" loading={fit.busy} onClick={fitNow} data-testid="clv-fit">{t('an.clv.fitNow')}</Button>
        </Space>
        {fit.error ? <div style={{ marginTop: 12 }}><ErrorAlert error={fit.error} /></div> : null}
        {current ? (
          <Descriptions size="small" style={{ marginTop: 16 }} column={{ xs: 1, md: 3 }}>
            <Descriptions.Item label={t('an.clv.current')}>{current.id}</Descriptions.Item>
            <Descriptions.Item label={t('an.clv.calibrationEnd')}>{current.calibration_end}</Descriptions.Item>
            <Descriptions.Item label={t('an.clv.timeUnit')}>{current.time_unit === 'day' ? t('an.unit.day') : t('an.unit.week')} · {t('an.clv.horizon')} {num(current.horizon)}</Descriptions.Item>
            <Descriptions.Item label={t('an.clv.fittedMembers')}>{num(current.members)} ({t('an.clv.repeaters')} {num(current.repeaters)})</Descriptions.Item>
            <Descriptions.Item label={t('common.createdAt')}>{dt(current.created_at)}</Descriptions.Item>
          </Descriptions>
        ) : null}
      </Card>
      <Async state={dist} minHeight={300}>
        {(d) =>
          !d.fit_id ? (
            <Card><Empty description={t('an.clv.none')} /></Card>
          ) : (
            <>
              <Row gutter={[16, 16]}>
                <Col xs={12} md={6}><Card size="small"><Statistic title={t('an.clv.members')} value={num(d.members)} /></Card></Col>
                <Col xs={12} md={6}><Card size="small"><Statistic title={t('an.clv.meanPAlive')} value={formatMetric('share', d.p_alive.mean, num)} /></Card></Col>
                <Col xs={12} md={6}><Card size="small"><Statistic title={t('an.clv.meanClv')} value={formatMetric('gmv', d.clv.mean, num)} /></Card></Col>
                <Col xs={12} md={6}><Card size="small"><Statistic title={t('an.clv.totalClv')} value={formatMetric('gmv', d.clv.total, num)} /></Card></Col>
              </Row>
              <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
                <Col xs={24} xl={12}><Histogram title={t('an.clv.pAliveDist')} buckets={d.p_alive.buckets} kind="p_alive" testId="clv-palive-chart" /></Col>
                <Col xs={24} xl={12}><Histogram title={t('an.clv.clvDist')} buckets={d.clv.buckets} kind="clv" testId="clv-chart" /></Col>
              </Row>
            </>
          )
        }
      </Async>
    </Space>
  );
}

function Histogram({ title, buckets, kind, testId }: { title: string; buckets: HistBucket[]; kind: 'p_alive' | 'clv'; testId: string }) {
  const { t, num } = useI18n();
  const label = (b: HistBucket) =>
    kind === 'p_alive'
      ? `${Math.round(b.from * 100)}–${Math.round((b.to ?? 1) * 100)}%`
      : b.to === null ? `≥ ¥${num(b.from, { maximumFractionDigits: 0 })}` : `¥${num(b.from, { maximumFractionDigits: 0 })}–${num(b.to, { maximumFractionDigits: 0 })}`;
  const option = useMemo((): ChartOption => ({
    tooltip: { trigger: 'axis' },
    grid: { left: 48, right: 16, top: 40, bottom: 64 },
    xAxis: { type: 'category', data: buckets.map(label), axisLabel: { interval: 0, rotate: 30 } },
    yAxis: { type: 'value', name: t('an.clv.members'), minInterval: 1 },
    series: [{ type: 'bar', name: t('an.clv.members'), data: buckets.map((b) => b.count), barCategoryGap: '8%', itemStyle: { color: kind === 'clv' ? '#1f7a5c' : '#3b82c4' } }],
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }), [buckets, kind, num, t]);
  return (
    <Card title={title} size="small" extra={<CsvButton filename={`${kind}-histogram.csv`} columns={['from', 'to', 'count']} rows={() => buckets.map((b) => [b.from, b.to, b.count])} />}>
      <div data-testid={testId}><Chart option={option} height={280} /></div>
      <Table
        size="small"
        pagination={false}
        rowKey={(b) => String(b.from)}
        dataSource={buckets}
        columns={[
          { title: t('an.clv.bucket'), render: (_: unknown, b: HistBucket) => label(b) },
          { title: t('an.clv.members'), dataIndex: 'count', align: 'right', render: (n: number) => num(n) },
        ]}
      />
    </Card>
  );
}

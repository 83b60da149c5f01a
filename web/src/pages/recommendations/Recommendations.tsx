// The recommendations page: training runs (algorithm, parameters, time, metrics), a train button and the latest
// offline evaluation with a form to run another one.
import { useState } from 'react';
import { App, Button, Card, DatePicker, Descriptions, Empty, InputNumber, Space, Table, Tag, Typography } from 'antd';
import { PlayCircleOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { api, ApiError } from '../../api/client';
import { useAuth } from '../../auth';
import { Async, useLoad } from '../../components/state';
import { useI18n } from '../../i18n';
import { useRt } from './strings';
import type { EvaluationReport, ModelRun } from './types';

const pct = (n: number) => `${(n * 100).toFixed(2)}%`;

export function Recommendations() {
  const rt = useRt();
  const { num } = useI18n();
  const { message } = App.useApp();
  const { can } = useAuth();
  const mayWrite = can('recommendations.write');
  const [busy, setBusy] = useState<'train' | 'evaluate' | null>(null);
  const [split, setSplit] = useState<Dayjs | null>(dayjs().subtract(90, 'day'));
  const [k, setK] = useState(10);
  const models = useLoad(async (signal) => ((await api('get', '/api/recommendations/models', { query: { limit: 50 }, signal })) as unknown as { data: ModelRun[] }).data, []);
  const run = async (what: 'train' | 'evaluate') => {
    setBusy(what);
    try {
      if (what === 'train') {
        const r = (await api('post', '/api/recommendations/train', { body: {} })) as unknown as { data: ModelRun[] };
        message.success(rt('trained', { n: r.data.length }));
      } else {
        await api('post', '/api/recommendations/evaluate', { body: { split_date: split!.format('YYYY-MM-DD'), k } });
      }
      models.reload();
    } catch (e) {
      message.error(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }} data-testid="recommendations-page">
      <Typography.Title level={4} style={{ margin: 0 }}>{rt('title')}</Typography.Title>
      <Card
        title={rt('models')}
        size="small"
        extra={mayWrite && <Button type="primary" icon={<PlayCircleOutlined />} loading={busy === 'train'} onClick={() => run('train')} data-testid="train">{rt('train')}</Button>}
      >
        <Async state={models}>
          {(rows) => {
            const trained = rows.filter((m) => m.algorithm !== 'evaluation');
            if (trained.length === 0) return <Empty description={rt('noModels')} />;
            return (
              <Table
                size="small"
                rowKey="id"
                pagination={{ pageSize: 10 }}
                dataSource={trained}
                columns={[
                  { title: rt('trainedAt'), dataIndex: 'trained_at', render: (v: string) => dayjs(v).format('YYYY-MM-DD HH:mm') },
                  { title: rt('algorithm'), dataIndex: 'algorithm', render: (v: string) => <Tag color="green">{rt(`algorithm.${v}`)}</Tag> },
                  { title: rt('members'), dataIndex: 'members', align: 'right', render: (n: number) => num(n) },
                  { title: rt('items'), dataIndex: 'items', align: 'right', render: (n: number) => num(n) },
                  { title: rt('interactions'), dataIndex: 'interactions', align: 'right', render: (n: number) => num(n) },
                  { title: rt('duration'), dataIndex: 'duration_ms', align: 'right', render: (v: number | null) => (v === null ? '—' : `${(v / 1000).toFixed(1)} s`) },
                  { title: rt('params'), dataIndex: 'params', render: (p: Record<string, unknown>) => <Typography.Text code style={{ fontSize: 12 }}>{paramsText(p)}</Typography.Text> },
                ]}
              />
            );
          }}
        </Async>
      </Card>
      <Card title={rt('evaluation')} size="small">
        <Space direction="vertical" style={{ width: '100%' }}>
          <Typography.Text type="secondary">{rt('evaluationHint')}</Typography.Text>
          {mayWrite && (
            <Space wrap>
              <span>{rt('splitDate')}</span>
              <DatePicker value={split} onChange={setSplit} allowClear={false} />
              <span>k</span>
              <InputNumber min={1} max={100} value={k} onChange={(v) => setK(v ?? 10)} />
              <Button loading={busy === 'evaluate'} disabled={!split} onClick={() => run('evaluate')} data-testid="evaluate">{rt('evaluate')}</Button>
            </Space>
          )}
          <Async state={models}>
            {(rows) => {
              const last = rows.find((m) => m.algorithm === 'evaluation');
              return last ? <EvaluationTable report={last.metrics as unknown as EvaluationReport} /> : <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />;
            }}
          </Async>
        </Space>
      </Card>
    </Space>
  );
}

function EvaluationTable({ report }: { report: EvaluationReport }) {
  const rt = useRt();
  const metric = (key: 'precision' | 'recall' | 'ndcg' | 'hit_rate' | 'coverage') => ({
    title: rt(`metric.${key}`).replace('k', String(report.k)), dataIndex: key, align: 'right' as const, render: (v: number) => pct(v),
  });
  return (
    <Space direction="vertical" style={{ width: '100%' }} data-testid="evaluation">
      <Descriptions size="small" column={4}>
        <Descriptions.Item label={rt('splitDate')}>{report.split_at.slice(0, 10)}</Descriptions.Item>
        <Descriptions.Item label="k">{report.k}</Descriptions.Item>
        <Descriptions.Item label={rt('members')}>{report.test_members}</Descriptions.Item>
        <Descriptions.Item label={rt('items')}>{report.catalogue}</Descriptions.Item>
      </Descriptions>
      <Table
        size="small"
        rowKey="algorithm"
        pagination={false}
        dataSource={report.results}
        columns={[
          { title: rt('algorithm'), dataIndex: 'algorithm', render: (v: string) => rt(`algorithm.${v}`) },
          metric('precision'), metric('recall'), metric('ndcg'), metric('hit_rate'), metric('coverage'),
        ]}
      />
    </Space>
  );
}

function paramsText(p: Record<string, unknown>): string {
  const keys = ['factors', 'lambda', 'alpha', 'iterations', 'neighbours', 'top_n'];
  return keys.filter((k) => p[k] !== undefined).map((k) => `${k}=${p[k]}`).join(' ');
}

// Settings → 审计日志 (audit log): filters (actor, action, resource, time range), newest first with "load more",
// before/after snapshots per row, CSV/JSON export and a check of the hash chain.
import { useCallback, useEffect, useState } from 'react';
import { Alert, Button, Card, DatePicker, Form, Input, Space, Table, Tag, Typography } from 'antd';
import { DownloadOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { api } from '../../api/client';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import { ErrorAlert } from '../../components/state';
import { PageHead } from '../../components/forms';
import type { AuditRow, AuditVerify } from './privacy-types';
import { downloadFile } from './download';

interface Filters {
  actor?: string;
  action?: string;
  resource?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
}

function queryOf(f: Filters): Record<string, string> {
  const q: Record<string, string> = {};
  for (const k of ['actor', 'action', 'resource'] as const) if (f[k]?.trim()) q[k] = f[k]!.trim();
  if (f.range?.[0]) q.from = f.range[0].startOf('day').toISOString();
  if (f.range?.[1]) q.to = f.range[1].endOf('day').toISOString();
  return q;
}

const json = (v: unknown) => (v === null || v === undefined ? '—' : JSON.stringify(v, null, 2));

export function AuditLog() {
  const { t, dt, num } = useI18n();
  const { key } = useAuth();
  const [filters, setFilters] = useState<Filters>({});
  const [rows, setRows] = useState<AuditRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [verify, setVerify] = useState<AuditVerify | null>(null);

  const load = useCallback(async (f: Filters, after: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await api('get', '/api/audit', { query: { ...queryOf(f), limit: 50, ...(after ? { cursor: after } : {}) } });
      setRows((prev) => (after ? [...prev, ...page.data] : page.data));
      setCursor(page.next_cursor);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load(filters, null);
  }, [filters, load]);

  const exportAs = async (format: 'csv' | 'json') => {
    setError(null);
    try {
      const q = new URLSearchParams({ ...queryOf(filters), format });
      await downloadFile(key, `/api/audit/export?${q}`, `audit-log.${format}`);
    } catch (e) {
      setError(e);
    }
  };
  const check = async () => {
    setError(null);
    try {
      setVerify(await api('get', '/api/audit/verify'));
    } catch (e) {
      setError(e);
    }
  };

  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageHead
        title="audit.title"
        sub={t('audit.hint')}
        extra={
          <>
            <Button icon={<SafetyCertificateOutlined />} onClick={check} data-testid="audit-verify">{t('audit.verify')}</Button>
            <Button icon={<DownloadOutlined />} onClick={() => exportAs('csv')} data-testid="audit-export-csv">{t('audit.exportCsv')}</Button>
            <Button icon={<DownloadOutlined />} onClick={() => exportAs('json')}>{t('audit.exportJson')}</Button>
          </>
        }
      />
      {verify ? (
        <Alert
          type={verify.ok ? 'success' : 'error'}
          showIcon
          closable
          onClose={() => setVerify(null)}
          data-testid="audit-verify-result"
          message={verify.ok ? `${t('audit.verifyOk')}: ${num(verify.rows)} ${t('audit.rows')}` : `${t('audit.verifyBroken')} #${verify.broken?.seq} (${verify.broken?.reason})`}
        />
      ) : null}
      <Card>
        <Form layout="inline" onFinish={(v: Filters) => setFilters(v)} style={{ rowGap: 8 }}>
          <Form.Item name="actor" label={t('audit.actor')}><Input allowClear placeholder={t('audit.actorPlaceholder')} style={{ width: 200 }} /></Form.Item>
          <Form.Item name="action" label={t('audit.action')}><Input allowClear placeholder={t('audit.actionPlaceholder')} style={{ width: 260 }} data-testid="audit-filter-action" /></Form.Item>
          <Form.Item name="resource" label={t('audit.resource')}><Input allowClear placeholder={t('audit.resourcePlaceholder')} style={{ width: 200 }} /></Form.Item>
          <Form.Item name="range" label={t('audit.range')}><DatePicker.RangePicker allowEmpty={[true, true]} /></Form.Item>
          <Form.Item><Button type="primary" htmlType="submit">{t('common.search')}</Button></Form.Item>
        </Form>
      </Card>
      {error ? <ErrorAlert error={error} /> : null}
      <Card>
        <Table<AuditRow>
          rowKey="seq"
          size="small"
          data-testid="audit-table"
          loading={loading}
          dataSource={rows}
          pagination={false}
          expandable={{
            rowExpandable: (r) => r.before !== null || r.after !== null || r.detail !== null,
            expandedRowRender: (r) => (
              <Space align="start" wrap size="large">
                {r.detail ? <div><Typography.Text strong>{t('audit.detail')}</Typography.Text><pre style={{ margin: 0 }}>{json(r.detail)}</pre></div> : null}
                {r.before !== null ? <div><Typography.Text strong>{t('audit.before')}</Typography.Text><pre style={{ margin: 0, maxWidth: 520, overflow: 'auto' }}>{json(r.before)}</pre></div> : null}
                {r.after !== null ? <div><Typography.Text strong>{t('audit.after')}</Typography.Text><pre style={{ margin: 0, maxWidth: 520, overflow: 'auto' }}>{json(r.after)}</pre></div> : null}
              </Space>
            ),
          }}
          columns={[
            { title: '#', dataIndex: 'seq', width: 70 },
            { title: t('audit.time'), dataIndex: 'occurred_at', render: (v: string) => dt(v), width: 170 },
            { title: t('audit.actor'), key: 'actor', render: (_: unknown, r) => (r.actor ? <span>{r.actor_name ?? r.actor_id} <Tag>{r.actor_type}</Tag></span> : '—') },
            {
              title: t('audit.action'),
              key: 'action',
              render: (_: unknown, r) =>
                r.kind === 'ingest_summary'
                  ? <span><Tag color="blue">{t('audit.ingestSummary')}</Tag>{num(r.detail?.requests ?? 0)} {t('audit.requests')} · {num(r.detail?.messages ?? 0)} {t('audit.messages')}</span>
                  : <code>{r.action}</code>,
            },
            { title: t('audit.resource'), dataIndex: 'resource_id', render: (v: string | null) => v ?? '—' },
            {
              title: t('audit.status'),
              dataIndex: 'status',
              render: (s: number | null) => (s === null ? '—' : <Tag color={s === 401 || s === 403 ? 'red' : 'green'}>{s === 401 || s === 403 ? `${t('audit.denied')} ${s}` : s}</Tag>),
            },
            { title: t('audit.ip'), dataIndex: 'ip', render: (v: string | null) => v ?? '—' },
          ]}
        />
        {cursor ? <div style={{ textAlign: 'center', marginTop: 12 }}><Button onClick={() => load(filters, cursor)} loading={loading}>{t('audit.more')}</Button></div> : null}
      </Card>
    </Space>
  );
}

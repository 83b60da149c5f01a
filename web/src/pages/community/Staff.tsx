// Staff (导购) with their assigned members (expand a row), and channel QR codes (渠道活码) with the acquisition report
// per code for a period in the URL (new contacts, still contacts, first orders, GMV within the window), CSV export.
import { useState } from 'react';
import { Button, Segmented, Space, Table, Tag, Typography } from 'antd';
import { DownloadOutlined } from '@ant-design/icons';
import { Link } from 'react-router-dom';
import { api } from '../../api/client';
import type { QrCode, QrReportRow, StaffMember } from '../../api/types';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { pct } from '../../format';
import { downloadCsv } from './download';
import { usePeriod, useQueryState } from './Community';

export function StaffList() {
  const { t, num, dt } = useI18n();
  const q = useQueryState();
  const active = q.get('active');
  const staff = useLoad((signal) => api('get', '/api/staff', { query: { active: (active || undefined) as 'true' | undefined }, signal }), [active]);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Segmented
        value={active}
        onChange={(v) => q.set({ active: v as string })}
        options={[{ value: '', label: t('common.all') }, { value: 'true', label: t('community.staffActive') }, { value: 'false', label: t('community.staffLeft') }]}
      />
      <Async state={staff} empty={(d) => d.data.length === 0}>
        {(d) => (
          <Table<StaffMember>
            rowKey="id"
            size="small"
            data-testid="staff-table"
            dataSource={d.data}
            pagination={{ pageSize: 50, hideOnSinglePage: true }}
            expandable={{ expandedRowRender: (s) => <StaffMembers id={s.id} />, rowExpandable: (s) => s.members > 0 }}
            columns={[
              { title: t('common.name'), dataIndex: 'name' },
              { title: 'userid', dataIndex: 'userid', render: (v: string | null) => (v ? <code>{v}</code> : '—') },
              { title: t('community.store'), dataIndex: 'store_id', render: (v: string | null) => v ?? '—' },
              { title: t('community.role'), dataIndex: 'role', render: (v: string | null) => v ?? '—' },
              { title: t('community.assigned'), dataIndex: 'members', align: 'right', sorter: (a, b) => a.members - b.members, render: (n: number) => num(n) },
              { title: t('common.status'), dataIndex: 'active', render: (a: boolean, s) => (a ? <Tag color="green">{t('community.staffActive')}</Tag> : <Tag>{t('community.staffLeft')} {dt(s.left_at)}</Tag>) },
            ]}
          />
        )}
      </Async>
    </Space>
  );
}

function StaffMembers({ id }: { id: string }) {
  const { t, dt } = useI18n();
  const [extra, setExtra] = useState(0);
  const list = useLoad(async (signal) => {
    let page = await api('get', '/api/staff/{ref}/members', { path: { ref: id }, query: { limit: 50 }, signal });
    let rows = page.data;
    for (let i = 0; i < extra && page.next_cursor; i++) {
      page = await api('get', '/api/staff/{ref}/members', { path: { ref: id }, query: { limit: 50, cursor: page.next_cursor }, signal });
      rows = rows.concat(page.data);
    }
    return { rows, more: Boolean(page.next_cursor) };
  }, [id, extra]);
  return (
    <Async state={list} empty={(d) => d.rows.length === 0}>
      {(d) => (
        <Space direction="vertical">
          <Space size={[4, 4]} wrap>
            {d.rows.map((m) => (
              <Tag key={m.member_id} title={`${m.source} · ${dt(m.assigned_at)}`}><Link to={`/members/${encodeURIComponent(m.member_id)}`}>{m.member_id}</Link></Tag>
            ))}
          </Space>
          {d.more ? <Button size="small" onClick={() => setExtra((n) => n + 1)}>{t('common.more')}</Button> : null}
        </Space>
      )}
    </Async>
  );
}

type QrRow = QrCode & { report?: QrReportRow };

export function QrCodes() {
  const { t, num } = useI18n();
  const { key } = useAuth();
  const { from, to, windowDays, picker } = usePeriod();
  const data = useLoad(async (signal) => {
    const [codes, report, staff] = await Promise.all([
      api('get', '/api/qrcodes', { signal }),
      api('get', '/api/qrcodes/report', { query: { from, to, window_days: windowDays }, signal }),
      api('get', '/api/staff', { signal }),
    ]);
    const byId = new Map(report.data.map((r) => [r.qrcode_id, r]));
    return { rows: codes.data.map((c): QrRow => ({ ...c, report: byId.get(c.id) })), staff: new Map(staff.data.map((s) => [s.id, s.name])) };
  }, [from, to, windowDays]);
  const [error, setError] = useState<unknown>(null);
  const exportCsv = async () => {
    setError(null);
    try {
      await downloadCsv(key, `/api/qrcodes/report?from=${from}&to=${to}&window_days=${windowDays}&format=csv`, `qrcodes-${from}-${to}.csv`);
    } catch (e) {
      setError(e);
    }
  };
  const n = (k: keyof QrReportRow) => (_: unknown, r: QrRow) => num(Number(r.report?.[k] ?? 0));
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <div style={{ display: 'flex', justifyContent: 'space-between' }}>
        {picker}
        <Button icon={<DownloadOutlined />} onClick={exportCsv}>{t('community.export')}</Button>
      </div>
      {error ? <ErrorAlert error={error} /> : null}
      <Async state={data} empty={(d) => d.rows.length === 0}>
        {(d) => (
          <Table<QrRow>
            rowKey="id"
            size="small"
            data-testid="qrcodes-table"
            dataSource={d.rows}
            scroll={{ x: 1200 }}
            pagination={{ pageSize: 50, hideOnSinglePage: true }}
            columns={[
              { title: t('common.name'), dataIndex: 'name', fixed: 'left', render: (name: string, c) => <Space direction="vertical" size={0}><Typography.Text strong>{name}</Typography.Text><code style={{ fontSize: 11 }}>{c.state}</code></Space> },
              { title: t('community.codeKind'), dataIndex: 'kind', render: (k: string) => <Tag color={k === 'contact' ? 'blue' : 'purple'}>{t(k === 'contact' ? 'community.kindContact' : 'community.kindGroup')}</Tag> },
              { title: t('community.codeStaff'), render: (_, c) => (c.kind === 'contact' ? c.staff_ids.map((s) => <Tag key={s} color={s === c.current_staff_id ? 'green' : undefined}>{d.staff.get(s) ?? s}</Tag>) : `${c.chat_ids.length} ${t('community.groupsUnit')}`) },
              { title: t('community.acquisitionChannel'), dataIndex: 'acquisition_channel', render: (v: string | null) => v ?? '—' },
              { title: t('community.tags'), dataIndex: 'tags', render: (x: string[]) => (x.length ? x.map((s) => <Tag key={s}>{s}</Tag>) : '—') },
              { title: t('community.newContacts'), align: 'right', render: n('new_contacts'), sorter: (a, b) => (a.report?.new_contacts ?? 0) - (b.report?.new_contacts ?? 0) },
              { title: t('community.stillContacts'), align: 'right', render: n('still_contacts') },
              { title: t('community.retention'), align: 'right', render: (_, r) => pct(r.report?.retention_rate ?? null, num) },
              { title: t('community.firstOrders'), align: 'right', render: n('first_orders') },
              { title: 'GMV', align: 'right', render: (_, r) => '¥' + num(r.report?.gmv ?? 0, { maximumFractionDigits: 2 }) },
              { title: t('community.conversionRate'), align: 'right', render: (_, r) => pct(r.report?.conversion_rate ?? null, num) },
              { title: t('common.status'), dataIndex: 'active', render: (a: boolean) => <Tag color={a ? 'green' : 'default'}>{t(a ? 'community.codeActive' : 'community.codeDeleted')}</Tag> },
            ]}
          />
        )}
      </Async>
    </Space>
  );
}

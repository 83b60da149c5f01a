// Community (社群): customer groups synced from WeCom (filters owner / positioning / value tier / tag in the URL), SOP
// schedules, the per-group report (period in the URL, CSV export), staff with their members, and channel QR codes
// with their acquisition report. The tab is in the URL (?tab=).
import { useState } from 'react';
import { App, Button, Card, DatePicker, Empty, Form, Input, InputNumber, Modal, Select, Space, Table, Tabs, Tag, Typography } from 'antd';
import { DownloadOutlined, SyncOutlined } from '@ant-design/icons';
import dayjs from 'dayjs';
import { Link, useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import type { CommunityGroup, CommunityReportRow } from '../../api/types';
import { useI18n } from '../../i18n';
import { useAuth } from '../../auth';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { PageHead } from '../../components/forms';
import { pct } from '../../format';
import { downloadCsv, lastDays } from './download';
import { Sops } from './Sops';
import { QrCodes, StaffList } from './Staff';

const TABS = ['groups', 'sops', 'report', 'staff', 'qrcodes'] as const;

/** Query-string state: read a key, set some keys (empty removes them) keeping the others. */
export function useQueryState() {
  const [params, setParams] = useSearchParams();
  const get = (k: string) => params.get(k) ?? '';
  const set = (next: Record<string, string | number | undefined | null>) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(next)) {
      if (v === undefined || v === null || v === '') p.delete(k);
      else p.set(k, String(v));
    }
    setParams(p);
  };
  return { get, set, params };
}

export function Community() {
  const { t } = useI18n();
  const q = useQueryState();
  const tab = (TABS as readonly string[]).includes(q.get('tab')) ? q.get('tab') : 'groups';
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageHead title="community.title" sub={t('community.hint')} />
      <Card>
        <Tabs
          activeKey={tab}
          onChange={(k) => q.set({ tab: k === 'groups' ? undefined : k, owner: undefined, positioning: undefined, value_tier: undefined, tag: undefined })}
          destroyOnHidden
          items={[
            { key: 'groups', label: t('community.groups'), children: <Groups /> },
            { key: 'sops', label: t('community.sops'), children: <Sops /> },
            { key: 'report', label: t('community.report'), children: <Report /> },
            { key: 'staff', label: t('community.staff'), children: <StaffList /> },
            { key: 'qrcodes', label: t('community.qrcodes'), children: <QrCodes /> },
          ]}
        />
      </Card>
    </Space>
  );
}

const FILTERS = ['owner', 'positioning', 'value_tier', 'tag'] as const;

function Groups() {
  const { t, num, dt } = useI18n();
  const q = useQueryState();
  const filters = Object.fromEntries(FILTERS.map((k) => [k, q.get(k)])) as Record<(typeof FILTERS)[number], string>;
  const key = FILTERS.map((k) => filters[k]).join('|');
  const list = useLoad(
    (signal) => api('get', '/api/community/groups', { query: { owner: filters.owner || undefined, positioning: filters.positioning || undefined, value_tier: filters.value_tier || undefined, tag: filters.tag || undefined }, signal }),
    [key],
  );
  const [form] = Form.useForm();
  const [syncing, setSyncing] = useState(false);
  const filtered = FILTERS.some((k) => filters[k]);
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <div style={{ display: 'flex', justifyContent: 'space-between', gap: 12, flexWrap: 'wrap' }}>
        <Form form={form} layout="inline" initialValues={filters} key={key} onFinish={(v: Record<string, string | undefined>) => q.set(Object.fromEntries(FILTERS.map((k) => [k, v[k]?.trim()])))} data-testid="group-filters">
          {FILTERS.map((k) => (
            <Form.Item key={k} name={k}>
              <Input allowClear placeholder={t(`community.${k}` as 'community.owner')} style={{ width: 150 }} data-testid={`group-filter-${k}`} />
            </Form.Item>
          ))}
          <Button type="primary" htmlType="submit">{t('common.search')}</Button>
          <Button style={{ marginLeft: 8 }} onClick={() => q.set(Object.fromEntries(FILTERS.map((k) => [k, undefined])))}>{t('common.reset')}</Button>
        </Form>
        <Button icon={<SyncOutlined />} onClick={() => setSyncing(true)} data-testid="community-sync">{t('community.sync')}</Button>
      </div>
      <Async state={list}>
        {(d) =>
          d.data.length === 0 ? (
            <Empty data-testid="community-empty" description={filtered ? t('community.noMatch') : t('community.noGroups')} />
          ) : (
            <Table<CommunityGroup>
              rowKey="id"
              data-testid="groups-table"
              dataSource={d.data}
              pagination={{ pageSize: 20, hideOnSinglePage: true }}
              columns={[
                { title: t('community.group'), dataIndex: 'name', render: (n: string | null, g) => <Link to={`/community/groups/${encodeURIComponent(g.id)}`}>{n ?? g.chat_id}</Link> },
                { title: t('community.owner'), dataIndex: 'owner_userid', render: (v: string | null) => v ?? '—' },
                { title: t('community.positioning'), dataIndex: 'positioning', render: (v: string | null) => (v ? <Tag color="blue">{v}</Tag> : '—') },
                { title: t('community.value_tier'), dataIndex: 'value_tier', render: (v: string | null) => (v ? <Tag color="gold">{v}</Tag> : '—') },
                { title: t('community.tag'), dataIndex: 'tags', render: (x: string[]) => (x.length ? x.map((s) => <Tag key={s}>{s}</Tag>) : '—') },
                { title: t('community.memberCount'), dataIndex: 'member_count', align: 'right', render: (n: number) => num(n) },
                { title: t('common.status'), dataIndex: 'status', render: (s: string) => <Tag color={s === 'active' ? 'green' : 'default'}>{t(s === 'active' ? 'community.active' : 'community.dismissed')}</Tag> },
                { title: t('community.syncedAt'), dataIndex: 'synced_at', render: (v: string | null) => dt(v) },
              ]}
            />
          )
        }
      </Async>
      <SyncModal open={syncing} onClose={() => setSyncing(false)} onDone={() => { setSyncing(false); list.reload(); }} />
    </Space>
  );
}

function SyncModal({ open, onClose, onDone }: { open: boolean; onClose(): void; onDone(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const channels = useLoad(async (signal) => (open ? (await api('get', '/api/messaging/channels', { signal })).data.filter((c) => c.type === 'wecom') : []), [open]);
  const [channel, setChannel] = useState<string>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    if (!channel) return;
    setBusy(true);
    setError(null);
    try {
      const r = (await api('post', '/api/community/sync', { body: { channel } })) as { groups?: number; joined?: number; left?: number };
      message.success(`${t('community.synced')}: ${r.groups ?? 0} · +${r.joined ?? 0} / −${r.left ?? 0}`);
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open={open} title={t('community.sync')} onCancel={onClose} onOk={run} okButtonProps={{ disabled: !channel }} confirmLoading={busy} okText={t('community.syncNow')} cancelText={t('common.cancel')} destroyOnHidden>
      <Typography.Paragraph type="secondary">{t('community.syncHint')}</Typography.Paragraph>
      <Select style={{ width: '100%' }} placeholder={t('community.wecomChannel')} value={channel} onChange={setChannel} loading={channels.loading} options={(channels.data ?? []).map((c) => ({ value: c.id, label: c.name }))} notFoundContent={t('community.noWecom')} />
      {error ? <div style={{ marginTop: 12 }}><ErrorAlert error={error} /></div> : null}
    </Modal>
  );
}

/** A period (from/to) and conversion window kept in the URL, defaulting to the last 30 days. */
export function usePeriod() {
  const q = useQueryState();
  const def = lastDays(30);
  const from = q.get('from') || def.from;
  const to = q.get('to') || def.to;
  const windowDays = Number(q.get('window')) || 30;
  const picker = (
    <Space wrap>
      <DatePicker.RangePicker
        allowClear={false}
        data-testid="period-picker"
        value={[dayjs(from), dayjs(to)]}
        onChange={(v) => v?.[0] && v[1] && q.set({ from: v[0].format('YYYY-MM-DD'), to: v[1].format('YYYY-MM-DD') })}
      />
      <WindowInput value={windowDays} onChange={(n) => q.set({ window: n === 30 ? undefined : n })} />
    </Space>
  );
  return { from, to, windowDays, picker };
}

function WindowInput({ value, onChange }: { value: number; onChange(n: number): void }) {
  const { t } = useI18n();
  return <InputNumber min={1} max={365} value={value} onChange={(n) => typeof n === 'number' && onChange(n)} addonBefore={t('community.window')} addonAfter={t('common.days')} style={{ width: 200 }} />;
}

/** RFM mix as short tags (segment: members). */
export function RfmMix({ mix }: { mix: Record<string, number> }) {
  const entries = Object.entries(mix).sort((a, b) => b[1] - a[1]);
  if (!entries.length) return <>—</>;
  return <Space size={2} wrap>{entries.map(([k, v]) => <Tag key={k} style={{ marginInlineEnd: 0 }}>{k} {v}</Tag>)}</Space>;
}

function Report() {
  const { t, num } = useI18n();
  const { key } = useAuth();
  const { from, to, windowDays, picker } = usePeriod();
  const report = useLoad((signal) => api('get', '/api/community/report', { query: { from, to, window_days: windowDays }, signal }), [from, to, windowDays]);
  const [error, setError] = useState<unknown>(null);
  const exportCsv = async () => {
    setError(null);
    try {
      await downloadCsv(key, `/api/community/report?from=${from}&to=${to}&window_days=${windowDays}&format=csv`, `community-${from}-${to}.csv`);
    } catch (e) {
      setError(e);
    }
  };
  const money = (n: number | null) => (n === null ? '—' : '¥' + num(n, { maximumFractionDigits: 2 }));
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <div style={{ display: 'flex', justifyContent: 'space-between' }}>
        {picker}
        <Button icon={<DownloadOutlined />} onClick={exportCsv} data-testid="community-export">{t('community.export')}</Button>
      </div>
      {error ? <ErrorAlert error={error} /> : null}
      <Async state={report} empty={(d) => d.data.length === 0}>
        {(d) => (
          <Table<CommunityReportRow>
            rowKey="group_id"
            size="small"
            data-testid="community-report"
            dataSource={d.data}
            scroll={{ x: 1300 }}
            pagination={{ pageSize: 50, hideOnSinglePage: true }}
            columns={[
              { title: t('community.group'), dataIndex: 'name', fixed: 'left', render: (n: string | null, r) => <Link to={`/community/groups/${encodeURIComponent(r.group_id)}?from=${from}&to=${to}`}>{n ?? r.chat_id}</Link> },
              { title: t('community.positioning'), dataIndex: 'positioning', render: (v: string | null) => v ?? '—' },
              { title: t('community.value_tier'), dataIndex: 'value_tier', render: (v: string | null) => v ?? '—' },
              { title: t('community.joins'), dataIndex: 'joins', align: 'right', sorter: (a, b) => a.joins - b.joins, render: (n: number) => num(n) },
              { title: t('community.leaves'), dataIndex: 'leaves', align: 'right', sorter: (a, b) => a.leaves - b.leaves, render: (n: number) => num(n) },
              { title: t('community.posts'), dataIndex: 'sop_messages', align: 'right', render: (n: number) => num(n) },
              { title: t('community.membersNow'), dataIndex: 'members_now', align: 'right', sorter: (a, b) => a.members_now - b.members_now, render: (n: number) => num(n) },
              { title: t('community.buyers'), dataIndex: 'buyers', align: 'right', render: (n: number) => num(n) },
              { title: t('community.memberSpend'), dataIndex: 'member_spend', align: 'right', sorter: (a, b) => a.member_spend - b.member_spend, render: money },
              { title: t('community.converted'), dataIndex: 'converted', align: 'right', render: (n: number) => num(n) },
              { title: t('community.conversionGmv'), dataIndex: 'conversion_gmv', align: 'right', render: money },
              { title: t('community.conversionRate'), dataIndex: 'conversion_rate', align: 'right', render: (v: number | null) => pct(v, num) },
              { title: t('community.rfmMix'), dataIndex: 'rfm_mix', render: (m: Record<string, number>) => <RfmMix mix={m} /> },
            ]}
          />
        )}
      </Async>
    </Space>
  );
}

// One customer group: its facts from WeCom, Siyu's positioning / value tier / tags (edited here, PATCH), the report
// for a period in the URL (joins, leaves, posts, member spend, RFM mix, conversions) and its members (active or all).
import { useState } from 'react';
import { App, Button, Card, Col, Descriptions, Form, Input, Row, Segmented, Select, Space, Statistic, Table, Tag, Typography } from 'antd';
import { ArrowLeftOutlined } from '@ant-design/icons';
import { Link, useParams } from 'react-router-dom';
import { api } from '../../api/client';
import type { CommunityGroup, CommunityGroupMember } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { Chart } from '../../components/Chart';
import { pct } from '../../format';
import { usePeriod, useQueryState } from './Community';

export function GroupDetail() {
  const { ref = '' } = useParams();
  const { t, dt, num } = useI18n();
  const group = useLoad((signal) => api('get', '/api/community/groups/{ref}', { path: { ref }, signal }), [ref]);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Link to="/community"><ArrowLeftOutlined /> {t('community.groups')}</Link>
      <Async state={group}>
        {(g) => (
          <Space direction="vertical" size="middle" style={{ width: '100%' }}>
            <Typography.Title level={3} style={{ margin: 0 }} data-testid="group-name">{g.name ?? g.chat_id}</Typography.Title>
            <Row gutter={16}>
              <Col span={14}>
                <Card title={t('community.groupInfo')} size="small" style={{ height: '100%' }}>
                  <Descriptions size="small" column={2}>
                    <Descriptions.Item label="chat_id"><Typography.Text copyable style={{ fontSize: 12 }}>{g.chat_id}</Typography.Text></Descriptions.Item>
                    <Descriptions.Item label={t('community.owner')}>{g.owner_userid ?? '—'}</Descriptions.Item>
                    <Descriptions.Item label={t('community.memberCount')}>{num(g.member_count)}</Descriptions.Item>
                    <Descriptions.Item label={t('common.status')}><Tag color={g.status === 'active' ? 'green' : 'default'}>{t(g.status === 'active' ? 'community.active' : 'community.dismissed')}</Tag></Descriptions.Item>
                    <Descriptions.Item label={t('community.createdInWecom')}>{dt(g.wecom_created_at)}</Descriptions.Item>
                    <Descriptions.Item label={t('community.syncedAt')}>{dt(g.synced_at)}</Descriptions.Item>
                    {g.notice ? <Descriptions.Item label={t('community.notice')} span={2}>{g.notice}</Descriptions.Item> : null}
                  </Descriptions>
                </Card>
              </Col>
              <Col span={10}>
                <Card title={t('community.siyuFacts')} size="small" style={{ height: '100%' }}>
                  <GroupFacts group={g} onSaved={group.reload} />
                </Card>
              </Col>
            </Row>
            <GroupReport id={g.id} />
            <GroupMembers id={g.id} />
          </Space>
        )}
      </Async>
    </Space>
  );
}

function GroupFacts({ group, onSaved }: { group: CommunityGroup; onSaved(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const submit = async (v: { positioning?: string; value_tier?: string; tags?: string[] }) => {
    setSaving(true);
    setError(null);
    try {
      await api('patch', '/api/community/groups/{ref}', { path: { ref: group.id }, body: { positioning: v.positioning?.trim() || null, value_tier: v.value_tier?.trim() || null, tags: (v.tags ?? []).map((s) => s.trim()).filter(Boolean) } });
      message.success(t('common.saved'));
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Form layout="vertical" size="small" initialValues={{ positioning: group.positioning ?? '', value_tier: group.value_tier ?? '', tags: group.tags }} onFinish={submit}>
      <Row gutter={8}>
        <Col span={12}>
          <Form.Item name="positioning" label={t('community.positioning')} rules={[{ max: 100 }]}><Input placeholder="会员群" data-testid="group-positioning" /></Form.Item>
        </Col>
        <Col span={12}>
          <Form.Item name="value_tier" label={t('community.value_tier')} rules={[{ max: 100 }]}><Input placeholder="高价值" data-testid="group-value-tier" /></Form.Item>
        </Col>
      </Row>
      <Form.Item name="tags" label={t('community.tags')} rules={[{ type: 'array', max: 50 }]}>
        <Select mode="tags" tokenSeparators={[',', '，']} open={false} suffixIcon={null} placeholder={t('community.tagsHint')} />
      </Form.Item>
      {error ? <div style={{ marginBottom: 8 }}><ErrorAlert error={error} /></div> : null}
      <Button type="primary" htmlType="submit" loading={saving} data-testid="group-save">{t('common.save')}</Button>
    </Form>
  );
}

function GroupReport({ id }: { id: string }) {
  const { t, num, lang } = useI18n();
  const { from, to, windowDays, picker } = usePeriod();
  const report = useLoad((signal) => api('get', '/api/community/groups/{ref}/report', { path: { ref: id }, query: { from, to, window_days: windowDays }, signal }), [id, from, to, windowDays]);
  const money = (n: number | null) => (n === null ? '—' : '¥' + num(n, { maximumFractionDigits: 2 }));
  return (
    <Card title={t('community.report')} size="small" extra={picker}>
      <Async state={report}>
        {(r) => {
          const row = r.data[0];
          if (!row) return <Typography.Text type="secondary">{t('common.empty')}</Typography.Text>;
          const mix = Object.entries(row.rfm_mix).sort((a, b) => b[1] - a[1]);
          const stats: Array<[string, string | number]> = [
            [t('community.joins'), row.joins], [t('community.leaves'), row.leaves], [t('community.netJoins'), row.net_joins], [t('community.posts'), row.sop_messages],
            [t('community.membersNow'), row.members_now], [t('community.buyers'), row.buyers], [t('community.memberSpend'), money(row.member_spend)], [t('community.avgSpend'), money(row.avg_spend)],
            [t('community.converted'), row.converted], [t('community.conversionOrders'), row.conversion_orders], [t('community.conversionGmv'), money(row.conversion_gmv)], [t('community.conversionRate'), pct(row.conversion_rate, num)],
          ];
          return (
            <Row gutter={16} data-testid="group-report">
              <Col span={14}>
                <Row gutter={[16, 16]}>
                  {stats.map(([label, v]) => (
                    <Col span={6} key={label}><Statistic title={label} value={typeof v === 'number' ? num(v) : v} valueStyle={{ fontSize: 20 }} /></Col>
                  ))}
                </Row>
                <Typography.Paragraph type="secondary" style={{ marginTop: 12, marginBottom: 0 }}>{t('community.conversionHint').replace('{n}', String(r.window_days))}</Typography.Paragraph>
              </Col>
              <Col span={10}>
                <Typography.Text strong>{t('community.rfmMix')}</Typography.Text>
                {mix.length ? (
                  <Chart
                    height={220}
                    option={{
                      tooltip: {},
                      grid: { left: 110, right: 20, top: 10, bottom: 20 },
                      xAxis: { type: 'value', minInterval: 1 },
                      yAxis: { type: 'category', data: mix.map(([k]) => k).reverse() },
                      series: [{ type: 'bar', name: lang === 'zh' ? '人数' : 'Members', data: mix.map(([, v]) => v).reverse(), itemStyle: { color: '#1f7a5c' } }],
                    }}
                  />
                ) : <div style={{ padding: 24 }}><Typography.Text type="secondary">{t('community.noRfm')}</Typography.Text></div>}
              </Col>
            </Row>
          );
        }}
      </Async>
    </Card>
  );
}

function GroupMembers({ id }: { id: string }) {
  const { t, dt } = useI18n();
  const q = useQueryState();
  const active = q.get('members') !== 'all';
  const [pages, setPages] = useState<string[]>([]);
  const list = useLoad(async (signal) => {
    const first = await api('get', '/api/community/groups/{ref}/members', { path: { ref: id }, query: { active: active ? 'true' : 'false', limit: 100 }, signal });
    let rows = first.data;
    let cursor = first.next_cursor;
    for (const _ of pages) {
      if (!cursor) break;
      const next = await api('get', '/api/community/groups/{ref}/members', { path: { ref: id }, query: { active: active ? 'true' : 'false', limit: 100, cursor }, signal });
      rows = rows.concat(next.data);
      cursor = next.next_cursor;
    }
    return { rows, cursor };
  }, [id, active, pages.length]);
  return (
    <Card
      title={t('community.members')}
      size="small"
      extra={<Segmented value={active ? 'active' : 'all'} onChange={(v) => { setPages([]); q.set({ members: v === 'all' ? 'all' : undefined }); }} options={[{ value: 'active', label: t('community.inGroup') }, { value: 'all', label: t('community.everyone') }]} />}
    >
      <Async state={list} empty={(d) => d.rows.length === 0}>
        {(d) => (
          <>
            <Table<CommunityGroupMember>
              rowKey={(m) => `${m.userid}:${m.joined_at}`}
              size="small"
              data-testid="group-members"
              dataSource={d.rows}
              pagination={false}
              columns={[
                { title: t('common.name'), dataIndex: 'name', render: (n: string | null, m) => (m.member_id ? <Link to={`/members/${encodeURIComponent(m.member_id)}`}>{n ?? m.member_id}</Link> : (n ?? m.userid)) },
                { title: t('community.memberType'), dataIndex: 'member_type', render: (n: number) => <Tag>{t(n === 2 ? 'community.customer' : 'community.employee')}</Tag> },
                { title: t('community.joinedAt'), dataIndex: 'joined_at', render: (v: string) => dt(v) },
                { title: t('community.leftAt'), dataIndex: 'left_at', render: (v: string | null) => dt(v) },
                { title: t('community.viaCode'), dataIndex: 'state', render: (v: string | null) => (v ? <code>{v}</code> : '—') },
              ]}
            />
            {d.cursor ? <Button style={{ marginTop: 12 }} onClick={() => setPages((p) => [...p, d.cursor!])}>{t('common.more')}</Button> : null}
          </>
        )}
      </Async>
    </Card>
  );
}

// Journeys: the list (status filter in the URL), a new journey on an empty canvas, or one built from a standard play
// (GET /api/journeys/templates, its params picked from the workspace's channels, templates, coupons and segments).
// A journey's page is the visual editor (JourneyEditor.tsx).
import { useState } from 'react';
import { Button, Card, Form, Input, InputNumber, Modal, Radio, Segmented, Select, Space, Table, Tag, Typography } from 'antd';
import { AppstoreAddOutlined, PlusOutlined } from '@ant-design/icons';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { api } from '../../api/client';
import type { Journey } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { PageHead } from '../../components/forms';
import { JOURNEY_COLOR, useJourneyRefs } from './JourneyEditor';
import type { ApiJourney, JourneyPlay } from './journey-model';
import { useJt } from './journey-strings';
import { useAuth } from '../../auth';

export { JourneyDetail } from './JourneyEditor';

const STATUSES = ['draft', 'live', 'paused', 'archived'] as const;

export function Journeys() {
  const { t, dt } = useI18n();
  const { can } = useAuth(); // actions only for who may take them (docs/permissions.md)
  const jt = useJt();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const status = params.get('status') ?? '';
  const [playsOpen, setPlaysOpen] = useState(false);
  const list = useLoad((signal) => api('get', '/api/journeys', { query: { status: (status || undefined) as 'live' | undefined }, signal }), [status]);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <PageHead
        title="journeys.title"
        extra={
          <>
            <Button icon={<AppstoreAddOutlined />} onClick={() => setPlaysOpen(true)} data-testid="journey-from-template">{jt('fromTemplate')}</Button>
            {can('journeys.write') ? <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/engagement/journeys/new')} data-testid="journey-new">{jt('new')}</Button> : null}
          </>
        }
      />
      <Card>
        <Segmented
          style={{ marginBottom: 16 }}
          value={status}
          onChange={(v) => setParams(v ? { status: String(v) } : {})}
          options={[{ label: t('common.all'), value: '' }, ...STATUSES.map((s) => ({ label: t(`journeys.status.${s}`), value: s }))]}
        />
        <Async state={list} empty={(d) => d.data.length === 0}>
          {(d) => (
            <Table<Journey>
              rowKey="id"
              data-testid="journeys-table"
              dataSource={d.data}
              columns={[
                { title: t('common.name'), dataIndex: 'name', render: (n: string, j) => <Link to={`/engagement/journeys/${j.id}`}>{n}</Link> },
                { title: t('common.status'), dataIndex: 'status', render: (s: string) => <Tag color={JOURNEY_COLOR[s]}>{t(`journeys.status.${s}` as 'journeys.status.live')}</Tag> },
                { title: t('journeys.version'), dataIndex: 'version' },
                { title: t('journeys.liveSince'), dataIndex: 'live_since', render: (v: string | null) => dt(v) },
                { title: t('common.createdAt'), dataIndex: 'created_at', render: (v: string) => dt(v) },
              ]}
            />
          )}
        </Async>
      </Card>
      {playsOpen ? <PlayModal onClose={() => setPlaysOpen(false)} onCreated={(id) => navigate(`/engagement/journeys/${id}`)} /> : null}
    </Space>
  );
}

/** Param names that name a message template, a coupon template or a segment (the plays' own vocabulary). */
const TEMPLATE_PARAMS = new Set(['template', 'reminder_template', 'repurchase_template', 'second_template']);
const NUMBER_PARAMS = new Set(['points', 'days_before']);

function PlayModal({ onClose, onCreated }: { onClose(): void; onCreated(id: string): void }) {
  const { lang, t } = useI18n();
  const jt = useJt();
  const [form] = Form.useForm<Record<string, unknown>>();
  const plays = useLoad((signal) => api('get', '/api/journeys/templates', { signal }) as Promise<unknown> as Promise<{ data: JourneyPlay[] }>, []);
  const refs = useJourneyRefs();
  const [playId, setPlayId] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const play = plays.data?.data.find((p) => p.id === playId);
  const submit = async (v: Record<string, unknown>) => {
    if (!play) return;
    setSaving(true);
    setError(null);
    try {
      const params = Object.fromEntries(play.params.map((p) => [p.name, v[`p_${p.name}`]]).filter(([, x]) => x !== undefined && x !== null && x !== '')) as Record<string, string | number>;
      const j = (await api('post', '/api/journeys', { body: { name: String(v.name).trim(), template: play.id, params } })) as ApiJourney;
      onCreated(j.id);
    } catch (e) {
      setError(e);
      setSaving(false);
    }
  };
  const input = (name: string) => {
    const r = refs.data;
    if (name === 'channel') return <Select showSearch options={(r?.channels ?? []).map((c) => ({ value: c.name, label: `${c.name} · ${c.type}` }))} />;
    if (TEMPLATE_PARAMS.has(name)) return <Select showSearch allowClear options={(r?.templates ?? []).map((c) => ({ value: c.name, label: c.name }))} />;
    if (name === 'coupon') return <Select showSearch allowClear options={(r?.coupons ?? []).map((c) => ({ value: c.name, label: c.name }))} />;
    if (name === 'segment') return <Select showSearch options={(r?.segments ?? []).map((c) => ({ value: c.name, label: c.name }))} />;
    if (name === 'purpose') return <Radio.Group optionType="button" options={[{ value: 'marketing', label: jt('purpose.marketing') }, { value: 'service', label: jt('purpose.service') }]} />;
    if (NUMBER_PARAMS.has(name)) return <InputNumber min={0} />;
    return <Input />;
  };
  return (
    <Modal open title={jt('tplTitle')} onCancel={onClose} onOk={() => form.submit()} okText={jt('tplCreate')} okButtonProps={{ loading: saving, disabled: !play }} width={640} destroyOnHidden>
      {plays.error ? <ErrorAlert error={plays.error} onRetry={plays.reload} /> : null}
      <Form form={form} layout="vertical" onFinish={submit}>
        <Form.Item label={jt('tplPick')} required>
          <Select
            data-testid="play-select"
            loading={plays.loading}
            value={playId}
            onChange={(id: string) => {
              setPlayId(id);
              const p = plays.data?.data.find((x) => x.id === id);
              form.setFieldsValue({ name: p ? (lang === 'zh' ? p.name_zh : p.name) : '', ...Object.fromEntries((p?.params ?? []).map((x) => [`p_${x.name}`, x.default])) });
            }}
            options={(plays.data?.data ?? []).map((p) => ({ value: p.id, label: lang === 'zh' ? `${p.name_zh} · ${p.name}` : p.name }))}
          />
        </Form.Item>
        {play ? (
          <>
            <Typography.Paragraph type="secondary">{play.description}</Typography.Paragraph>
            <Form.Item name="name" label={jt('name')} rules={[{ required: true, whitespace: true, message: t('form.required') }, { max: 200 }]}>
              <Input data-testid="play-name" />
            </Form.Item>
            {play.params.map((p) => (
              <Form.Item key={p.name} name={`p_${p.name}`} label={<span><code>{p.name}</code> · {p.description}</span>} rules={p.required ? [{ required: true, message: t('form.required') }] : []}>
                {input(p.name)}
              </Form.Item>
            ))}
          </>
        ) : null}
        {error ? <ErrorAlert error={error} /> : null}
      </Form>
    </Modal>
  );
}

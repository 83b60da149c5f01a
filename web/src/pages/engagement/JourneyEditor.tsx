// A journey's page: the visual editor. The canvas (steps and branches) beside a panel editing the selected step or the
// journey's trigger, re-entry, goal and holdout; save the draft (the server validates it and its error shows on the
// node it names), publish a new version (with the step mapping when members would be stranded), pause, resume,
// archive; per-step counts on the canvas for a published journey (refreshed while it is live).
import { useCallback, useEffect, useMemo, useState } from 'react';
import { App, Alert, Button, Card, Checkbox, Col, Descriptions, Dropdown, Form, Input, Modal, Popconfirm, Row, Select, Space, Statistic, Tag, Typography } from 'antd';
import { ApartmentOutlined, PlusOutlined } from '@ant-design/icons';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { api, ApiError } from '../../api/client';
import type { JourneyStats } from '../../api/types';
import { useI18n } from '../../i18n';
import { Async, ErrorAlert, useLoad } from '../../components/state';
import { JourneyCanvas } from './JourneyCanvas';
import { JourneySettings, StepEditor, type NodeError, type Refs } from './JourneyForms';
import {
  addStep, asDefinition, emptyDefinition, errorTarget, link, removeStep, renameStep, STEP_TYPES, toApi, TRIGGER_NODE, wouldLoop,
  type ApiJourney, type JourneyDef, type StrandedStep,
} from './journey-model';
import { useJt, type JKey } from './journey-strings';

export const JOURNEY_COLOR: Record<string, string> = { live: 'green', paused: 'orange', draft: 'default', archived: 'default' };

/** Channels, message templates, coupon templates, segments and tags the forms offer. */
export function useJourneyRefs() {
  return useLoad(async (signal): Promise<Refs> => {
    const [channels, templates, coupons, segments, tags] = await Promise.all([
      api('get', '/api/messaging/channels', { signal }),
      api('get', '/api/templates', { query: { limit: 200 }, signal }),
      api('get', '/api/coupons/templates', { signal }),
      api('get', '/api/segments', { signal }),
      api('get', '/api/tags', { signal }),
    ]);
    return {
      channels: channels.data.map((c) => ({ id: c.id, name: c.name, type: c.type })),
      templates: templates.data.map((x) => ({ id: x.id, name: x.name, channels: x.channels })),
      coupons: coupons.data.map((c) => ({ id: c.id, name: c.name })),
      segments: segments.data.map((s) => ({ id: s.id, name: s.name })),
      tags: tags.data.map((x) => x.name),
    };
  }, []);
}

export function JourneyDetail() {
  const { id = '' } = useParams();
  const { t } = useI18n();
  const isNew = id === 'new';
  const loaded = useLoad((signal) => (isNew ? Promise.resolve(null) : (api('get', '/api/journeys/{id}', { path: { id }, signal }) as Promise<unknown> as Promise<ApiJourney>)), [id]);
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Link to="/engagement/journeys">← {t('journeys.title')}</Link>
      <Async state={loaded}>{(j) => <Editor key={j ? `${j.id}:${j.version}:${j.updated_at ?? ''}` : 'new'} journey={j} reload={loaded.reload} />}</Async>
    </Space>
  );
}

function Editor({ journey, reload }: { journey: ApiJourney | null; reload(): void }) {
  const jt = useJt();
  const { t, num, dt } = useI18n();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [def, setDefState] = useState<JourneyDef>(() => (journey ? asDefinition(journey.draft) : emptyDefinition()));
  const [name, setName] = useState(journey?.name ?? '');
  const [description, setDescription] = useState(journey?.description ?? '');
  const [dirty, setDirty] = useState(!journey);
  const [error, setError] = useState<unknown>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [layoutTick, setLayoutTick] = useState(0);
  const [busy, setBusy] = useState<string | null>(null);
  const [publishOpen, setPublishOpen] = useState(false);
  const [migrate, setMigrate] = useState(false);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [stranded, setStranded] = useState<StrandedStep[] | null>(null);
  const [nameError, setNameError] = useState(false);
  const refs = useJourneyRefs();
  const tags = refs.data?.tags ?? [];
  const ctx = useMemo(() => ({ tags, segments: refs.data?.segments ?? [] }), [refs.data]); // eslint-disable-line react-hooks/exhaustive-deps
  const published = journey && journey.version > 0;
  const stats = useLoad(
    (signal) => (published ? (api('get', '/api/journeys/{id}/stats', { path: { id: journey.id }, signal }) as Promise<JourneyStats>) : Promise.resolve(null)),
    [journey?.id, journey?.version],
  );
  useEffect(() => {
    if (journey?.status !== 'live') return;
    const h = setInterval(stats.reload, 5000);
    return () => clearInterval(h);
  }, [journey?.status, stats.reload]);
  const statsByStep = useMemo(() => (stats.data ? new Map(stats.data.steps.map((s) => [s.step_id, s])) : undefined), [stats.data]);

  const setDef = useCallback((d: JourneyDef) => {
    setDefState(d);
    setDirty(true);
  }, []);

  // The server's error, placed on the node (and field) it names.
  const nodeError = useMemo((): { node: string; err: NodeError } | null => {
    if (!(error instanceof ApiError)) return null;
    const target = errorTarget(error.field);
    if (!target) return null;
    const msg = error.message.replace(/^definition\.[^:]*:\s*/, '');
    return { node: target.node, err: { message: msg, code: error.code, field: target.field } };
  }, [error]);
  const nodeErrors = useMemo(() => new Map(nodeError ? [[nodeError.node, nodeError.err.message]] : []), [nodeError]);

  const onLink = useCallback((from: string, handle: string, to: string | undefined) => {
    setDefState((d) => {
      if (to && wouldLoop(d, from, to)) {
        message.warning(jt('cycle'));
        return d;
      }
      return link(d, from, handle, to);
    });
    setDirty(true);
  }, [message, jt]);
  const onRemove = useCallback((id: string) => {
    setDefState((d) => removeStep(d, id));
    setDirty(true);
    setSelected((s) => (s === id ? null : s));
  }, []);

  /** Saves the draft (creating the journey first time); the server validates it. Returns the journey id. */
  const save = async (): Promise<string | null> => {
    if (!name.trim()) {
      setNameError(true);
      return null;
    }
    setError(null);
    try {
      if (!journey) {
        const created = (await api('post', '/api/journeys', { body: { name: name.trim(), description: description || undefined, definition: toApi(def) } })) as ApiJourney;
        setDirty(false);
        return created.id;
      }
      await api('patch', '/api/journeys/{id}', { path: { id: journey.id }, body: { name: name.trim(), description: description || null, definition: toApi(def) } });
      setDirty(false);
      return journey.id;
    } catch (e) {
      setError(e);
      const target = e instanceof ApiError ? errorTarget(e.field) : null;
      if (target) setSelected(target.node === TRIGGER_NODE ? null : target.node);
      return null;
    }
  };

  const run = async (what: string, f: () => Promise<void>) => {
    setBusy(what);
    try {
      await f();
    } finally {
      setBusy(null);
    }
  };

  const onSave = () => run('save', async () => {
    const id = await save();
    if (!id) return;
    message.success(jt('saved'));
    if (!journey) navigate(`/engagement/journeys/${id}`, { replace: true });
    else reload();
  });

  const publish = () => run('publish', async () => {
    const id = await save();
    if (!id) {
      setPublishOpen(false);
      return;
    }
    try {
      const r = (await api('post', '/api/journeys/{id}/publish', { path: { id }, body: { migrate, mapping: migrate ? mapping : {} } })) as { version?: number };
      setPublishOpen(false);
      setStranded(null);
      message.success(jt('published', { n: r.version ?? '' }));
      if (!journey) navigate(`/engagement/journeys/${id}`, { replace: true });
      else reload();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'journey.publish_would_strand' && Array.isArray(e.details)) {
        setStranded(e.details as StrandedStep[]);
        setError(e);
        return;
      }
      setPublishOpen(false);
      setError(e);
      const target = e instanceof ApiError ? errorTarget(e.field) : null;
      if (target) setSelected(target.node === TRIGGER_NODE ? null : target.node);
      if (!journey) navigate(`/engagement/journeys/${id}`, { replace: true });
    }
  });

  const lifecycle = (action: 'pause' | 'resume' | 'archive') => run(action, async () => {
    try {
      await api('post', `/api/journeys/{id}/${action}` as '/api/journeys/{id}/pause', { path: { id: journey!.id } });
      reload();
    } catch (e) {
      setError(e);
    }
  });
  const remove = () => run('delete', async () => {
    try {
      await api('delete', '/api/journeys/{id}', { path: { id: journey!.id } });
      navigate('/engagement/journeys');
    } catch (e) {
      setError(e);
    }
  });

  const status = journey?.status ?? 'draft';
  const archived = status === 'archived';
  const stepIds = Object.keys(def.steps);
  const selStep = selected && def.steps[selected] ? selected : null;

  return (
    <>
      <Card
        title={
          <Space>
            <ApartmentOutlined />
            <span data-testid="journey-title">{journey?.name ?? jt('newTitle')}</span>
            <Tag color={JOURNEY_COLOR[status]} data-testid="journey-status">{t(`journeys.status.${status}` as 'journeys.status.live')}</Tag>
            {published ? <Tag>{t('journeys.version')} {journey.version}</Tag> : null}
            {dirty && journey ? <Typography.Text type="warning" style={{ fontSize: 12 }}>{jt('dirty')}</Typography.Text> : null}
          </Space>
        }
        extra={
          <Space wrap>
            <Button onClick={onSave} loading={busy === 'save'} disabled={archived} data-testid="journey-save">{jt('save')}</Button>
            <Button type="primary" onClick={() => { setStranded(null); setPublishOpen(true); }} disabled={archived} data-testid="journey-publish">{jt('publish')}</Button>
            {status === 'live' ? <Button onClick={() => lifecycle('pause')} loading={busy === 'pause'} data-testid="journey-pause">{jt('pause')}</Button> : null}
            {status === 'paused' ? <Button onClick={() => lifecycle('resume')} loading={busy === 'resume'} data-testid="journey-resume">{jt('resume')}</Button> : null}
            {published && !archived ? <Popconfirm title={jt('archiveConfirm')} onConfirm={() => lifecycle('archive')}><Button danger>{jt('archive')}</Button></Popconfirm> : null}
            {journey && !published ? <Popconfirm title={jt('deleteConfirm')} onConfirm={remove}><Button danger>{jt('delete')}</Button></Popconfirm> : null}
          </Space>
        }
      >
        <Row gutter={12}>
          <Col span={8}>
            <Form.Item label={jt('name')} required validateStatus={nameError ? 'error' : undefined} help={nameError ? t('form.required') : undefined} style={{ marginBottom: 8 }}>
              <Input data-testid="journey-name" value={name} maxLength={200} onChange={(e) => { setName(e.target.value); setNameError(false); setDirty(true); }} />
            </Form.Item>
          </Col>
          <Col span={16}>
            <Form.Item label={jt('description')} style={{ marginBottom: 8 }}>
              <Input value={description} maxLength={2000} onChange={(e) => { setDescription(e.target.value); setDirty(true); }} />
            </Form.Item>
          </Col>
        </Row>
        {published && stats.data ? (
          <Row gutter={16}>
            {(['entered', 'active', 'completed', 'goal', 'exited', 'holdout', 'failed'] as const).map((k) => (
              <Col key={k} span={3}><Statistic title={t(`journeys.t.${k}`)} value={stats.data!.totals[k]} /></Col>
            ))}
          </Row>
        ) : null}
        {published ? <Descriptions size="small" column={2} style={{ marginTop: 8 }}><Descriptions.Item label={t('journeys.liveSince')}>{dt(journey.live_since)}</Descriptions.Item></Descriptions> : null}
        {error && !nodeError ? <div style={{ marginTop: 8 }}><ErrorAlert error={error} /></div> : null}
        {error && nodeError ? <Alert style={{ marginTop: 8 }} type="error" showIcon data-testid="api-error" message={`${nodeError.err.code} · ${nodeError.node === TRIGGER_NODE ? jt('trigger') : nodeError.node}`} description={nodeError.err.message} /> : null}
        {stats.error ? <ErrorAlert error={stats.error} onRetry={stats.reload} compact /> : null}
        {refs.error ? <ErrorAlert error={refs.error} onRetry={refs.reload} compact /> : null}
      </Card>
      <Row gutter={16}>
        <Col span={15}>
          <Card
            size="small"
            title={t('journeys.steps')}
            extra={
              <Space>
                <Dropdown
                  trigger={['click']}
                  menu={{
                    items: STEP_TYPES.map((ty) => ({ key: ty, label: jt(`st.${ty}` as JKey), 'data-testid': `add-step-${ty}` })),
                    onClick: (e) => {
                      const r = addStep(def, e.key as (typeof STEP_TYPES)[number], selected ?? TRIGGER_NODE);
                      setDef(r.def);
                      setSelected(r.id);
                    },
                  }}
                >
                  <Button size="small" type="primary" ghost icon={<PlusOutlined />} disabled={archived} data-testid="journey-add-step">{jt('addStep')}</Button>
                </Dropdown>
                <Button size="small" onClick={() => setLayoutTick((x) => x + 1)}>{jt('layout')}</Button>
              </Space>
            }
          >
            <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 8 }}>
              {jt('canvasHint')} {published && dirty ? jt('liveDraftNote', { n: journey.version }) : null}
            </Typography.Paragraph>
            <JourneyCanvas def={def} stats={statsByStep} errors={nodeErrors} selected={selected} layoutTick={layoutTick} onSelect={setSelected} onLink={onLink} onRemove={onRemove} />
            {stepIds.length === 0 ? <Typography.Text type="secondary">{jt('noSteps')}</Typography.Text> : null}
          </Card>
        </Col>
        <Col span={9}>
          <Card size="small" title={selStep ? `${jt(('st.' + def.steps[selStep].type) as JKey)} · ${selStep}` : `${jt('trigger')} · ${jt('settings')}`} data-testid="journey-panel">
            {refs.loading && !refs.data ? <Typography.Text type="secondary">{jt('loadingRefs')}</Typography.Text> : null}
            {selStep ? (
              <StepEditor
                key={selStep}
                def={def}
                id={selStep}
                refs={refs.data ?? { channels: [], templates: [], coupons: [], segments: [], tags: [] }}
                ctx={ctx}
                error={nodeError?.node === selStep ? nodeError.err : undefined}
                onChange={(s) => setDef({ ...def, steps: { ...def.steps, [selStep]: s } })}
                onRename={(to) => { setDef(renameStep(def, selStep, to)); setSelected(to); }}
                onRemove={() => onRemove(selStep)}
                onStart={() => setDef({ ...def, start: selStep })}
              />
            ) : (
              <JourneySettings def={def} onChange={setDef} refs={refs.data ?? { channels: [], templates: [], coupons: [], segments: [], tags: [] }} ctx={ctx} error={nodeError?.node === TRIGGER_NODE ? nodeError.err : undefined} />
            )}
          </Card>
        </Col>
      </Row>
      <Modal
        open={publishOpen}
        title={jt('publishTitle')}
        onCancel={() => setPublishOpen(false)}
        onOk={publish}
        okText={jt('publish')}
        okButtonProps={{ loading: busy === 'publish', ...({ 'data-testid': 'journey-publish-confirm' } as object) }}
        destroyOnHidden
      >
        <Typography.Paragraph>{jt('publishHint')}</Typography.Paragraph>
        {published ? (
          <>
            <Checkbox checked={migrate} onChange={(e) => setMigrate(e.target.checked)} data-testid="journey-migrate">{jt('migrate')}</Checkbox>
            <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginTop: 4 }}>{jt('migrateHint')}</Typography.Paragraph>
          </>
        ) : null}
        {stranded ? (
          <Alert
            type="warning"
            showIcon
            data-testid="journey-stranded"
            message={jt('strandTitle')}
            description={
              <Space direction="vertical" style={{ width: '100%' }}>
                <span>{jt('strandHint')}</span>
                {stranded.map((s) => (
                  <Space key={`${s.version}:${s.step_id}`}>
                    <code>{s.step_id}</code>
                    <span>v{s.version} · {num(s.members)} {t('common.members')}</span>
                    <span>→ {jt('mapTo')}</span>
                    <Select
                      style={{ minWidth: 160 }}
                      value={mapping[s.step_id]}
                      onChange={(v: string) => { setMapping((m) => ({ ...m, [s.step_id]: v })); setMigrate(true); }}
                      options={stepIds.map((x) => ({ value: x, label: x }))}
                    />
                  </Space>
                ))}
              </Space>
            }
          />
        ) : null}
      </Modal>
    </>
  );
}

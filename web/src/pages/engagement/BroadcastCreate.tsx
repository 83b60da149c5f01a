// The create-broadcast page: the form, then schedule at once or keep as a draft.
import { useState } from 'react';
import { Button, Card, Form, Space } from 'antd';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { ErrorAlert } from '../../components/state';
import { PageHead } from '../../components/forms';
import { BroadcastFields, useFormOptions } from './BroadcastFields';
import { bodyOf, type CreateValues } from './broadcast-values';
import { useJt } from './journey-strings';

export function BroadcastCreate() {
  const { t } = useI18n();
  const jt = useJt();
  const navigate = useNavigate();
  const [form] = Form.useForm<CreateValues>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState<'schedule' | 'draft' | null>(null);
  const [mode, setMode] = useState<'schedule' | 'draft'>('schedule');
  const options = useFormOptions();
  const submit = async (v: CreateValues) => {
    setSaving(mode);
    setError(null);
    try {
      const b = await api('post', '/api/broadcasts', { body: bodyOf(v) });
      if (mode === 'schedule') await api('post', '/api/broadcasts/{id}/schedule', { path: { id: b.id }, body: {} });
      navigate(`/engagement/broadcasts/${b.id}`);
    } catch (e) {
      setError(e);
      setSaving(null);
    }
  };
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Link to="/engagement/broadcasts">← {t('broadcasts.title')}</Link>
      <PageHead title="broadcasts.new" />
      <Card>
        {options.error ? <ErrorAlert error={options.error} onRetry={options.reload} /> : null}
        <Form form={form} layout="vertical" onFinish={submit} style={{ maxWidth: 720 }} initialValues={{ purpose: 'marketing', holdout: 0, when: 'now' }}>
          <BroadcastFields form={form} options={options.data} loading={options.loading} />
          {error ? <div style={{ marginBottom: 12 }}><ErrorAlert error={error} /></div> : null}
          <Space>
            <Button type="primary" htmlType="submit" loading={saving === 'schedule'} onClick={() => setMode('schedule')} data-testid="broadcast-submit">{t('broadcasts.createAndSchedule')}</Button>
            <Button htmlType="submit" loading={saving === 'draft'} onClick={() => setMode('draft')} data-testid="broadcast-save-draft">{jt('bt.saveDraft')}</Button>
          </Space>
        </Form>
      </Card>
    </Space>
  );
}

// The broadcast page's dialogs: edit a draft, and send a test to chosen members.
import { useState } from 'react';
import { Form, Modal, Select, Space, Tag, Typography } from 'antd';
import { api } from '../../api/client';
import type { Broadcast } from '../../api/types';
import { useI18n } from '../../i18n';
import { ErrorAlert } from '../../components/state';
import { useMemberOptions } from '../../components/forms';
import { BroadcastFields, useFormOptions } from './BroadcastFields';
import { bodyOf, valuesOf, type CreateValues } from './broadcast-values';
import { useJt } from './journey-strings';

/** Edits a draft broadcast (PATCH); the API refuses any other status with `broadcast.not_draft`. */
export function EditDraftModal({ b, onClose, onSaved }: { b: Broadcast; onClose(): void; onSaved(): void }) {
  const jt = useJt();
  const [form] = Form.useForm<CreateValues>();
  const options = useFormOptions();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const submit = async (v: CreateValues) => {
    setSaving(true);
    setError(null);
    try {
      await api('patch', '/api/broadcasts/{id}', { path: { id: b.id }, body: bodyOf(v) });
      onSaved();
    } catch (e) {
      setError(e);
      setSaving(false);
    }
  };
  return (
    <Modal open title={jt('bt.editTitle')} width={760} onCancel={onClose} onOk={() => form.submit()} okButtonProps={{ loading: saving, ...({ 'data-testid': 'broadcast-edit-save' } as object) }} destroyOnHidden>
      {options.error ? <ErrorAlert error={options.error} onRetry={options.reload} /> : null}
      <Form form={form} layout="vertical" onFinish={submit} initialValues={valuesOf(b)}>
        <BroadcastFields form={form} options={options.data} loading={options.loading} />
        {error ? <ErrorAlert error={error} /> : null}
      </Form>
    </Modal>
  );
}

interface TestReport { sent: number; failed: number; skipped: number; skipped_by_reason: Record<string, number>; outcomes: Array<{ member_id: string; status: string; code?: string | null; reason?: string }> }

/** Sends the broadcast's template to a few chosen members now (POST /api/broadcasts/{id}/send-test). */
export function SendTestModal({ id, onClose }: { id: string; onClose(): void }) {
  const jt = useJt();
  const { t } = useI18n();
  const [members, setMembers] = useState<string[]>([]);
  const [q, setQ] = useState('');
  const options = useMemberOptions(q);
  const [error, setError] = useState<unknown>(null);
  const [report, setReport] = useState<TestReport | null>(null);
  const [sending, setSending] = useState(false);
  const send = async () => {
    setSending(true);
    setError(null);
    setReport(null);
    try {
      setReport((await api('post', '/api/broadcasts/{id}/send-test', { path: { id }, body: { members } })) as TestReport);
    } catch (e) {
      setError(e);
    } finally {
      setSending(false);
    }
  };
  return (
    <Modal open title={jt('bt.sendTestTitle')} onCancel={onClose} onOk={send} okText={jt('bt.sendTest')} okButtonProps={{ loading: sending, disabled: members.length === 0, ...({ 'data-testid': 'send-test-submit' } as object) }} destroyOnHidden>
      <Typography.Paragraph type="secondary">{jt('bt.sendTestHint')}</Typography.Paragraph>
      <Form layout="vertical">
        <Form.Item label={jt('bt.testMembers')} required>
          <Select
            mode="multiple"
            data-testid="send-test-members"
            filterOption={false}
            onSearch={setQ}
            value={members}
            maxCount={20}
            onChange={(v: string[]) => setMembers(v)}
            options={options}
            placeholder={t('form.pickMember')}
          />
        </Form.Item>
      </Form>
      {error ? <ErrorAlert error={error} /> : null}
      {report ? (
        <Space direction="vertical" data-testid="send-test-result">
          <Typography.Text strong>{jt('bt.testResult', { sent: report.sent, failed: report.failed, skipped: report.skipped })}</Typography.Text>
          <Space wrap>
            {report.outcomes.filter((o) => o.status !== 'sent').map((o) => <Tag key={o.member_id} color="orange">{o.member_id}: {o.status} {o.code ?? o.reason ?? ''}</Tag>)}
          </Space>
        </Space>
      ) : null}
    </Modal>
  );
}

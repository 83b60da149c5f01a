// Small form pieces shared by the Loyalty and Engagement pages: a JSON editor validated before submit, a member
// picker searching the member API, and a page frame with a title and actions.
import { useEffect, useState, type ReactNode } from 'react';
import { App, Button, Form, Input, Select, Space, Typography } from 'antd';
import { api } from '../api/client';
import type { MemberRow } from '../api/types';
import { useI18n, type MessageKey } from '../i18n';
import { ErrorAlert } from './state';

export function PageHead({ title, extra, sub }: { title: MessageKey; extra?: ReactNode; sub?: ReactNode }) {
  const { t } = useI18n();
  return (
    <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: 16 }}>
      <div>
        <Typography.Title level={3} style={{ margin: 0 }}>{t(title)}</Typography.Title>
        {sub ? <Typography.Text type="secondary">{sub}</Typography.Text> : null}
      </div>
      {extra ? <Space>{extra}</Space> : null}
    </div>
  );
}

/** JSON text parsed before it is sent: a syntax error stays in the form, an API error shows its code. */
export function JsonEditor({ value, onSave, testId, rows = 14 }: { value: unknown; onSave(v: unknown): Promise<unknown>; testId: string; rows?: number }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ text: string }>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => form.setFieldsValue({ text: JSON.stringify(value ?? null, null, 2) }), [value, form]);
  const submit = async ({ text }: { text: string }) => {
    setSaving(true);
    setError(null);
    try {
      await onSave(JSON.parse(text));
      message.success(t('common.saved'));
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };
  return (
    <Form form={form} layout="vertical" onFinish={submit}>
      <Form.Item
        name="text"
        rules={[{
          validator: async (_, v: string) => {
            try {
              JSON.parse(v);
            } catch (e) {
              throw new Error(`${t('form.jsonInvalid')}: ${(e as Error).message}`);
            }
          },
        }]}
      >
        <Input.TextArea data-testid={testId} rows={rows} spellCheck={false} style={{ fontFamily: 'ui-monospace, Menlo, monospace', fontSize: 12 }} />
      </Form.Item>
      {error ? <div style={{ marginBottom: 12 }}><ErrorAlert error={error} /></div> : null}
      <Button type="primary" htmlType="submit" loading={saving} data-testid={`${testId}-save`}>{t('common.save')}</Button>
    </Form>
  );
}

/** Select options for the members a search `q` (phone, name or id) finds, 200 ms after the last keystroke. */
export function useMemberOptions(q: string): Array<{ value: string; label: string }> {
  const { t } = useI18n();
  const [options, setOptions] = useState<Array<{ value: string; label: string }>>([]);
  useEffect(() => {
    const ctl = new AbortController();
    const timer = setTimeout(() => {
      api('get', '/api/members', { query: { q: q || undefined, limit: 20 }, signal: ctl.signal }).then(
        (p) => setOptions(p.data.map((m: MemberRow) => ({ value: m.id, label: `${m.name ?? t('members.unnamed')} · ${m.phone ?? m.user_id ?? m.id}` }))),
        () => undefined,
      );
    }, 200);
    return () => {
      clearTimeout(timer);
      ctl.abort();
    };
  }, [q, t]);
  return options;
}

/** Picks a member by phone, name or id (value: a member ref the API resolves, `id`). */
export function MemberPicker({ value, onChange, testId, style }: { value?: string; onChange?: (v: string | undefined) => void; testId?: string; style?: React.CSSProperties }) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const options = useMemberOptions(q);
  return (
    <Select
      showSearch
      allowClear
      data-testid={testId}
      style={{ minWidth: 260, ...style }}
      placeholder={t('form.pickMember')}
      filterOption={false}
      onSearch={setQ}
      value={value}
      onChange={(v) => onChange?.(v)}
      options={options}
    />
  );
}

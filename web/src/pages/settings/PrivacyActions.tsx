// Member 360 actions 导出个人数据 / 删除个人数据: the export downloads the person's JSON; the erase asks for a reason and
// the member id typed again. Each shows only with its permission.
import { useState } from 'react';
import { App, Button, Form, Input, Modal, Space, Typography } from 'antd';
import { DeleteOutlined, DownloadOutlined } from '@ant-design/icons';
import { api } from '../../api/client';
import { useAuth } from '../../auth';
import { useI18n } from '../../i18n';
import { ErrorAlert } from '../../components/state';
import { saveBlob } from './download';

/** Whether the signed-in principal holds `permission` (until the console knows permissions, the API decides). */
export function useCan(): (permission: string) => boolean {
  const auth = useAuth() as ReturnType<typeof useAuth> & { can?: (permission: string) => boolean };
  return (permission) => auth.can?.(permission) ?? true;
}

export function PrivacyActions({ memberId, onErased }: { memberId: string; onErased(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const can = useCan();
  const [erasing, setErasing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [form] = Form.useForm<{ reason: string; confirm: string }>();

  const exportData = async () => {
    setBusy(true);
    try {
      const body = await api('post', '/api/privacy/export', { body: { member: memberId } });
      saveBlob(new Blob([JSON.stringify(body, null, 2)], { type: 'application/json' }), `privacy-export-${memberId}.json`);
      message.success(t('privacy.exported'));
    } catch (e) {
      message.error(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const erase = async (v: { reason: string }) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api('post', '/api/privacy/erase', { body: { member: memberId, reason: v.reason } });
      message.success(t(r.erased ? 'privacy.erased' : 'privacy.alreadyErased'));
      setErasing(false);
      onErased();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  if (!can('privacy.export') && !can('privacy.erase')) return null;
  return (
    <Space>
      {can('privacy.export') ? <Button size="small" icon={<DownloadOutlined />} loading={busy && !erasing} onClick={exportData} data-testid="privacy-export">{t('privacy.export')}</Button> : null}
      {can('privacy.erase') ? <Button size="small" danger icon={<DeleteOutlined />} onClick={() => { form.resetFields(); setError(null); setErasing(true); }} data-testid="privacy-erase">{t('privacy.erase')}</Button> : null}
      <Modal
        open={erasing}
        title={t('privacy.eraseTitle')}
        okText={t('privacy.erase')}
        okButtonProps={{ danger: true, loading: busy, ...({ 'data-testid': 'privacy-erase-ok' } as object) }}
        onOk={() => form.submit()}
        onCancel={() => setErasing(false)}
        destroyOnClose
      >
        <Typography.Paragraph type="danger">{t('privacy.eraseWarn')}</Typography.Paragraph>
        <Form form={form} layout="vertical" onFinish={erase}>
          <Form.Item name="reason" label={t('privacy.eraseReason')} rules={[{ required: true, whitespace: true, max: 1000 }]}>
            <Input data-testid="privacy-erase-reason" />
          </Form.Item>
          <Form.Item
            name="confirm"
            label={<span>{t('privacy.eraseConfirm')}: <code>{memberId}</code></span>}
            rules={[{ validator: async (_, v: string | undefined) => { if ((v ?? '').trim() !== memberId) throw new Error(t('privacy.eraseMismatch')); } }]}
          >
            <Input data-testid="privacy-erase-confirm" autoComplete="off" />
          </Form.Item>
        </Form>
        {error ? <ErrorAlert error={error} /> : null}
      </Modal>
    </Space>
  );
}

// What the loyalty forms share: the required rule, the coupon template choices and a row's remove button.
import { Button, Col } from 'antd';
import { MinusCircleOutlined } from '@ant-design/icons';
import { api } from '../../api/client';
import { useI18n } from '../../i18n';
import { useLoad } from '../../components/state';

/** Coupon templates as select options (id → name). */
export function useCouponOptions() {
  const list = useLoad(async (signal) => (await api('get', '/api/coupons/templates', { signal })).data, []);
  return (list.data ?? []).map((c) => ({ value: c.id, label: c.name }));
}

export const req = (t: (k: 'form.required') => string) => ({ required: true, message: t('form.required') });

/** The remove button closing a form-list row, aligned with the row's labelled inputs. */
export function RemoveCol({ onClick, disabled }: { onClick(): void; disabled?: boolean }) {
  const { t } = useI18n();
  return (
    <Col span={2} style={{ paddingTop: 30 }}>
      <Button type="text" danger icon={<MinusCircleOutlined />} aria-label={t('common.remove')} disabled={disabled} onClick={onClick} />
    </Col>
  );
}

// Labels of values the API reports (journey states, message sources, points entry kinds) from the dictionary.
import { DICTIONARIES, useI18n, type MessageKey } from '../../i18n';

/** A translated label when the dictionary has `prefix + value`, else the value itself (kinds the API may add later). */
export function useLabel() {
  const { t } = useI18n();
  return (prefix: string, value: string | null | undefined) => {
    if (!value) return '—';
    const key = `${prefix}${value}` as MessageKey;
    return key in DICTIONARIES.zh ? t(key) : value;
  };
}

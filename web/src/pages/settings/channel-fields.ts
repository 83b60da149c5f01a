// The form fields of each messaging channel type (the adapters' config schemas in src/modules/messaging/providers):
// the common ones as inputs, secrets as replace-only password inputs, anything else kept as JSON in "advanced".
export type FieldKind = 'text' | 'url' | 'email' | 'number' | 'bool' | 'select';

export interface ChannelField {
  key: string;
  kind: FieldKind;
  required?: boolean;
  options?: string[];
  placeholder?: string;
}

export const CHANNEL_TYPES = ['webhook', 'email', 'sms', 'wecom', 'wechat_oa', 'miniprogram', 'app_push'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

const http: ChannelField[] = [
  { key: 'url', kind: 'url', required: true, placeholder: 'https://sms.example.com/send' },
  { key: 'auth_header', kind: 'text', placeholder: 'authorization' },
  { key: 'auth_scheme', kind: 'text', placeholder: 'Bearer' },
];

export const CHANNEL_FIELDS: Record<ChannelType, ChannelField[]> = {
  webhook: [
    { key: 'url', kind: 'url', required: true, placeholder: 'https://example.com/hooks/siyu' },
    { key: 'mode', kind: 'select', options: ['single', 'batch'] },
    { key: 'format', kind: 'select', options: ['envelope', 'raw'] },
  ],
  email: [
    { key: 'host', kind: 'text', required: true, placeholder: 'smtp.example.com' },
    { key: 'port', kind: 'number', placeholder: '587' },
    { key: 'secure', kind: 'bool' },
    { key: 'username', kind: 'text' },
    { key: 'from', kind: 'email', required: true, placeholder: 'news@brand.cn' },
    { key: 'from_name', kind: 'text' },
    { key: 'reply_to', kind: 'email' },
  ],
  sms: [
    ...http,
    { key: 'signature_name', kind: 'text', required: true, placeholder: '茶咖时光' },
    { key: 'signature_placement', kind: 'select', options: ['prefix', 'field'] },
    { key: 'max_segments', kind: 'number', placeholder: '6' },
  ],
  app_push: [...http, { key: 'token_field', kind: 'text', placeholder: 'device_token' }],
  wecom: [
    { key: 'corp_id', kind: 'text', required: true, placeholder: 'ww…' },
    { key: 'base_url', kind: 'url', placeholder: 'https://qyapi.weixin.qq.com' },
    { key: 'default_sender', kind: 'text' },
    { key: 'results_poll_cron', kind: 'text', placeholder: '*/15 * * * *' },
  ],
  wechat_oa: [
    { key: 'app_id', kind: 'text', required: true, placeholder: 'wx…' },
    { key: 'token_endpoint', kind: 'select', options: ['stable', 'classic'] },
    { key: 'default_url', kind: 'url' },
  ],
  miniprogram: [
    { key: 'app_id', kind: 'text', required: true, placeholder: 'wx…' },
    { key: 'token_endpoint', kind: 'select', options: ['stable', 'classic'] },
    { key: 'miniprogram_state', kind: 'select', options: ['developer', 'trial', 'formal'] },
    { key: 'lang', kind: 'select', options: ['zh_CN', 'en_US', 'zh_HK', 'zh_TW'] },
  ],
};

/** Secret config fields per type (the API also lists them per channel as `secret_fields`). */
export const CHANNEL_SECRETS: Record<ChannelType, string[]> = {
  webhook: ['secret', 'receipt_secret'],
  email: ['password', 'receipt_secret'],
  sms: ['api_key', 'receipt_secret'],
  app_push: ['api_key', 'receipt_secret'],
  wecom: ['corp_secret', 'callback_token', 'encoding_aes_key'],
  wechat_oa: ['app_secret', 'callback_token', 'encoding_aes_key'],
  miniprogram: ['app_secret'],
};

/** Secrets a new channel of this type cannot work without. */
export const REQUIRED_SECRETS: Partial<Record<ChannelType, string[]>> = { wecom: ['corp_secret'], wechat_oa: ['app_secret'], miniprogram: ['app_secret'] };

/** What the API shows in place of a stored secret. */
export const MASK = '***';

/** Splits a stored config into the form's fields, the secrets that are set, and the rest (advanced JSON). */
export function splitConfig(type: ChannelType, config: Record<string, unknown>, secretFields: string[]) {
  const known = new Set(CHANNEL_FIELDS[type].map((f) => f.key));
  const fields: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  const setSecrets: string[] = [];
  for (const [k, v] of Object.entries(config)) {
    if (secretFields.includes(k)) {
      if (v !== null && v !== undefined) setSecrets.push(k);
    } else if (known.has(k)) fields[k] = v;
    else rest[k] = v;
  }
  return { fields, rest, setSecrets };
}

/**
 * The config to send: the fields given, the advanced JSON, and only the secrets typed in (a secret left out keeps
 * its stored value on the server).
 */
export function buildConfig(fields: Record<string, unknown>, rest: Record<string, unknown>, secrets: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...rest };
  for (const [k, v] of Object.entries(fields)) if (v !== undefined && v !== null && v !== '') out[k] = v;
  for (const [k, v] of Object.entries(secrets)) if (typeof v === 'string' && v !== '') out[k] = v;
  return out;
}

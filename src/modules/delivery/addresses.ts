// Where a message goes, per messaging channel type: which member columns and identity types make up its `to`,
// which key it cannot do without, and the SQL that reads them for a whole batch of members (two queries per batch,
// ids as one JSON parameter — never one query per member).
import type { JsonColumn, Store } from '../../store/port.ts';
import type { MessagingChannelType } from '../templates/channels.ts';
import { openOrNull } from '../../core/pii/index.ts';

/** What one channel type reads: identity types to load, whether the device token attribute matters, the key it needs. */
export interface AddressPlan {
  identities: string[];
  deviceToken: boolean;
  /** The `to` key without which the channel cannot reach the member (null: none, e.g. a webhook). */
  required: string | null;
}

/**
 * Per channel type. Profile phone and email are always read (one column each); identities only where the channel
 * needs them, since they are the larger table. Openids are stored as `appid:openid` and land in `to` both as
 * `openid` (the first) and as `openid:<appid>` (each), so the WeChat adapters pick the one of their app.
 */
export const ADDRESS_PLANS: Record<MessagingChannelType, AddressPlan> = {
  // A webhook gets the profile's phone and email (the envelope carries member_id); no identity scan per batch.
  webhook: { identities: [], deviceToken: false, required: null },
  email: { identities: ['email'], deviceToken: false, required: 'email' },
  sms: { identities: ['phone'], deviceToken: false, required: 'phone' },
  wecom: { identities: ['wecom_external_userid'], deviceToken: false, required: 'wecom_external_userid' },
  wechat_oa: { identities: ['openid', 'unionid'], deviceToken: false, required: 'openid' },
  miniprogram: { identities: ['openid', 'unionid'], deviceToken: false, required: 'openid' },
  app_push: { identities: ['device_id'], deviceToken: true, required: 'device_token' },
};

export interface ProfileAddressRow {
  id: string;
  merged_into: string | null;
  phone: string | null;
  email: string | null;
  device_token?: string | null;
}

export interface IdentityRow {
  member_id: string;
  type: string;
  /** For phone and email: the lookup hash (the address is the sealed `value_enc`). */
  value: string;
  value_enc?: string | null;
}

/**
 * Builds each member's `to` from profile rows and identity rows (pure). Profile phone/email win over identities of
 * the same type; identities fill them when the profile has none.
 */
export function buildAddresses(profiles: ProfileAddressRow[], identities: IdentityRow[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const p of profiles) {
    const to: Record<string, string> = {};
    if (p.phone) to.phone = p.phone;
    if (p.email) to.email = p.email;
    if (p.device_token) to.device_token = p.device_token;
    out.set(p.id, to);
  }
  for (const i of identities) {
    const to = out.get(i.member_id);
    if (!to || !i.value) continue;
    if (i.type === 'phone' || i.type === 'email') {
      // keyed by a lookup hash: the address is the sealed display value (none: not usable as an address)
      if (i.value_enc) to[i.type] ??= i.value_enc;
      continue;
    }
    if (i.type === 'openid') {
      const app = i.value.includes(':') ? i.value.slice(0, i.value.indexOf(':')) : '_';
      to[`openid:${app}`] ??= i.value;
    }
    to[i.type] ??= i.value;
  }
  return out;
}

const ID_COLUMNS: JsonColumn[] = [{ name: 'id', type: 'text' }];
const ORDINAL_COLUMNS: JsonColumn[] = [
  { name: 'id', type: 'text' },
  { name: 'k', type: 'bigint' },
];

/** Profile rows (surviving and merged) and identities of these members, for one channel type. */
export async function loadAddressRows(store: Store, ws: string, memberIds: string[], plan: AddressPlan): Promise<{ profiles: ProfileAddressRow[]; identities: IdentityRow[] }> {
  if (memberIds.length === 0) return { profiles: [], identities: [] };
  const token = plan.deviceToken ? `, ${store.jsonText('m.attributes', '$3')} AS device_token` : '';
  // Rows name their member by position in the batch (a small integer) rather than by id: reading back a long text
  // per row cost the embedded store's client about a microsecond each, more than the rest of the row.
  const numbered = JSON.stringify(memberIds.map((id, k) => ({ id, k })));
  const profiles = store
    .query<Omit<ProfileAddressRow, 'id'> & { k: number; id?: string }>(
      `SELECT CAST(p.k AS INTEGER) AS k, m.merged_into, m.phone, m.email${token}
       FROM members m JOIN ${store.jsonRows(2, ORDINAL_COLUMNS, 'p')} ON m.id = p.id
       WHERE m.workspace_id = $1`,
      plan.deviceToken ? [ws, numbered, 'device_token'] : [ws, numbered],
    )
    .then((rows) => {
      for (const r of rows) r.id = memberIds[Number(r.k)];
      return rows as unknown as ProfileAddressRow[];
    });
  // Addresses are sealed at rest: opened here for the batch in hand only (about 5 µs a value).
  const types = plan.identities;
  const identities = types.length === 0
    ? Promise.resolve([] as IdentityRow[])
    : store.query<IdentityRow>(
        `SELECT i.member_id, i.type, i.value, i.value_enc
         FROM identities i JOIN ${store.jsonRows(2, ID_COLUMNS, 'p')} ON i.member_id = p.id
         WHERE i.workspace_id = $1 AND i.type IN (${types.map((_, k) => `$${k + 3}`).join(', ')})
         ORDER BY i.member_id, i.type, i.first_seen_at, i.value`,
        [ws, JSON.stringify(memberIds.map((id) => ({ id }))), ...types],
      );
  const [p, ids] = await Promise.all([profiles, identities]);
  for (const r of p) {
    if (r.phone) r.phone = openOrNull(r.phone);
    if (r.email) r.email = openOrNull(r.email);
  }
  for (const i of ids) if (i.value_enc) i.value_enc = openOrNull(i.value_enc);
  return { profiles: p, identities: ids };
}

// Pure mapping of member upserts onto identity inputs, with the checks that must fail loudly rather than be dropped.
import { invalid } from '../../core/errors.ts';
import { normaliseValue } from '../identity/identity-keys.ts';
import { parseBirthday } from '../identity/traits.ts';
import type { IdentityInput } from '../identity/types.ts';
import type { MemberUpsert, UpsertBody } from './schema.ts';

const IDENTIFIER_FIELDS = ['user_id', 'anonymous_id', 'phone', 'email', 'unionid', 'openid', 'wecom_external_userid', 'member_card', 'device_id'] as const;

/** The list of members in a body: `members` alone, or the body itself as one member. */
export function upsertList(body: UpsertBody): { members: MemberUpsert[]; batch: boolean } {
  const { members, ...single } = body;
  if (members === undefined) return { members: [single], batch: false };
  const extra = Object.keys(single).filter((k) => (single as Record<string, unknown>)[k] !== undefined);
  if (extra.length > 0) throw invalid('member.mixed_body', 'Send either one member or { members: [...] }, not both', extra[0]);
  return { members, batch: true };
}

/**
 * One identity input per member (traits applied). Throws 400 with the field path for a member without any
 * identifier, or with a phone, email or birthday that cannot be read (they would otherwise be silently ignored).
 */
export function toIdentityInputs(members: MemberUpsert[], batch: boolean, defaultChannel: string | null, now: string): IdentityInput[] {
  return members.map((m, i) => {
    const at = (f: string) => (batch ? `members.${i}.${f}` : f);
    if (!IDENTIFIER_FIELDS.some((f) => m[f] !== undefined)) {
      throw invalid('member.no_identifier', `A member needs at least one identifier (${IDENTIFIER_FIELDS.join(', ')})`, batch ? `members.${i}` : 'body');
    }
    if (m.phone !== undefined && normaliseValue('phone', m.phone) === null) throw invalid('member.invalid_phone', `"${m.phone}" is not a phone number`, at('phone'));
    if (m.email !== undefined && normaliseValue('email', m.email) === null) throw invalid('member.invalid_email', `"${m.email}" is not an email address`, at('email'));
    if (m.birthday !== undefined && parseBirthday(m.birthday) === null) {
      throw invalid('member.invalid_birthday', `"${m.birthday}" is not a date (YYYY-MM-DD)`, at('birthday'));
    }
    const traits: Record<string, unknown> = { ...(m.attributes ?? {}) };
    for (const f of ['phone', 'email', 'unionid', 'openid', 'appid', 'wecom_external_userid', 'member_card', 'device_id', 'name', 'gender', 'birthday', 'city', 'region'] as const) {
      if (m[f] !== undefined) traits[f] = m[f];
    }
    return {
      userId: m.user_id ?? null,
      anonymousId: m.anonymous_id ?? null,
      traits,
      channel: m.channel ?? defaultChannel,
      ts: m.ts ? new Date(m.ts).toISOString() : now,
      applyTraits: true,
    };
  });
}

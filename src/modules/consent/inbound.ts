// Who sent an inbound message (an SMS reply, a WeCom or official-account chat): the member by the channel's address.
import type { SqlExecutor } from '../../store/port.ts';
import type { IdentityPort } from '../identity/types.ts';
import type { InboundBody } from './schema.ts';
import { lookupHashOf } from '../pii/member-fields.ts';

/**
 * The member an inbound message came from: by phone (identity, else the members column), email, WeCom
 * external_userid, or openid (`APPID:OPENID`, the bare openid with `app_id`, or searched across apps); for app push
 * and webhook `from` is a member ref. Null when unknown.
 */
export async function senderOf(db: SqlExecutor, identity: IdentityPort, ws: string, b: InboundBody): Promise<string | null> {
  const find = (ref: string) => identity.findMember(db, ws, ref);
  switch (b.channel) {
    case 'sms': {
      const byIdentity = await find(`phone:${b.from}`);
      if (byIdentity) return byIdentity;
      // the profile's phone is sealed: found through its lookup hash
      const hash = lookupHashOf('phone', b.from);
      if (!hash) return null;
      const [m] = await db.query<{ id: string }>('SELECT id FROM members WHERE workspace_id = $1 AND phone_hash = $2 AND merged_into IS NULL LIMIT 1', [ws, hash]);
      return m?.id ?? null;
    }
    case 'email':
      return find(`email:${b.from}`);
    case 'wecom':
      return find(`wecom_external_userid:${b.from}`);
    case 'wechat_oa':
    case 'miniprogram': {
      if (b.from.includes(':')) return find(`openid:${b.from}`);
      if (b.app_id) return find(`openid:${b.app_id}:${b.from}`);
      const [i] = await db.query<{ member_id: string }>(
        `SELECT member_id FROM identities WHERE workspace_id = $1 AND type = 'openid' AND right(value, length($2) + 1) = ':' || $2 LIMIT 1`,
        [ws, b.from],
      );
      return i ? find(i.member_id) : null;
    }
    default:
      return find(b.from).catch(() => null);
  }
}

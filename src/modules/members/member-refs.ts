// Turns member refs (`mem_…` ids or `type:value`) into surviving member ids: one at a time or a whole batch in SQL.
import { invalid, notFound } from '../../core/errors.ts';
import type { JsonColumn, SqlExecutor, Store } from '../../store/port.ts';
import { parseRef } from '../identity/identity-keys.ts';
import type { IdentityPort } from '../identity/types.ts';
import { identityLookupValue } from '../pii/member-fields.ts';

const REF_HELP = 'a member id (mem_…) or type:value, e.g. user_id:u1, phone:13800000000, openid:APPID:OPENID';

/** A ref split into what to look up: a member id, or an identifier type and its normalised value. */
export type ParsedRef = { kind: 'member'; id: string } | { kind: 'identity'; type: string; value: string };

/**
 * Parses one ref without touching the store; null when it is malformed (unknown type, blocked or empty value).
 * @example parseMemberRef('phone:+86 138 0000 0000') // { kind: 'identity', type: 'phone', value: '13800000000' }
 */
export function parseMemberRef(ref: string): ParsedRef | null {
  const r = ref.trim();
  if (/^mem_[0-9A-Za-z]+$/.test(r)) return { kind: 'member', id: r };
  const p = parseRef(r);
  return p ? { kind: 'identity', type: p.type, value: p.value } : null;
}

const REF_COLUMNS: JsonColumn[] = [
  { name: 'idx', type: 'bigint' },
  { name: 't', type: 'text' },
  { name: 'v', type: 'text' },
];

export class MemberRefs {
  constructor(
    private readonly store: Store,
    private readonly identity: IdentityPort,
  ) {}

  /** The surviving member id of `ref`; 400 `member.invalid_ref` when malformed, 404 `member.not_found` when unknown. */
  async resolveOne(db: SqlExecutor, ws: string, ref: string): Promise<string> {
    if (!parseMemberRef(ref)) throw invalid('member.invalid_ref', `"${ref}" is not ${REF_HELP}`, 'ref');
    const id = await this.identity.findMember(db, ws, ref.trim());
    if (!id) throw notFound('member.not_found', `No member ${ref} / 未找到该会员`, 'ref');
    return id;
  }

  /**
   * Resolves many refs with one set-based query (plus one per merge hop, rarely needed): the surviving member id
   * per ref, same order, null for refs that are malformed or unknown.
   */
  async resolveMany(db: SqlExecutor, ws: string, refs: string[]): Promise<(string | null)[]> {
    const out: (string | null)[] = new Array(refs.length).fill(null);
    const rows: { idx: number; t: string; v: string }[] = [];
    refs.forEach((ref, idx) => {
      const p = parseMemberRef(ref);
      if (p?.kind === 'member') rows.push({ idx, t: 'member', v: p.id });
      else if (p) rows.push({ idx, t: p.type, v: identityLookupValue(p.type, p.value) }); // phone/email: by lookup hash
    });
    if (rows.length === 0) return out;
    const src = this.store.jsonRows(2, REF_COLUMNS, 'r');
    const found = await db.query<{ idx: number; member_id: string | null; merged_into: string | null }>(
      `SELECT x.idx, x.member_id, mm.merged_into
       FROM (SELECT r.idx, COALESCE(i.member_id, m.id) AS member_id
             FROM ${src}
             LEFT JOIN identities i ON i.workspace_id = $1 AND i.type = r.t AND i.value = r.v
             LEFT JOIN members m ON m.workspace_id = $1 AND r.t = 'member' AND m.id = r.v) x
       LEFT JOIN members mm ON mm.workspace_id = $1 AND mm.id = x.member_id`,
      [ws, JSON.stringify(rows)],
    );
    const pending = new Map<number, string>(); // ref index → member id that was itself merged away
    for (const f of found) {
      if (!f.member_id) continue;
      if (f.merged_into) pending.set(Number(f.idx), f.merged_into);
      else out[Number(f.idx)] = f.member_id;
    }
    // The identity module keeps merged_into pointing at the final survivor, so this loop normally runs once.
    for (let hop = 0; pending.size > 0 && hop < 16; hop++) {
      const ids = [...new Set(pending.values())];
      const next = new Map<string, string | null>();
      const idSrc = this.store.jsonRows(2, [{ name: 'id', type: 'text' }], 'q');
      const rowsOf = await db.query<{ id: string; merged_into: string | null }>(
        `SELECT m.id, m.merged_into FROM members m JOIN ${idSrc} ON m.id = q.id WHERE m.workspace_id = $1`,
        [ws, JSON.stringify(ids.map((id) => ({ id })))],
      );
      for (const r of rowsOf) next.set(r.id, r.merged_into);
      for (const [idx, id] of [...pending]) {
        if (!next.has(id)) pending.delete(idx);
        else if (next.get(id) === null) {
          out[idx] = id;
          pending.delete(idx);
        } else pending.set(idx, next.get(id)!);
      }
    }
    return out;
  }
}

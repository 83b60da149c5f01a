// Brings every stored personal value under the current key, in committed batches: the one-time encryption of rows
// written before migration 24 (plaintext) and key rotation are the same walk. Resumable: a batch selects only rows
// not yet under the current key, so a killed run continues where it stopped.
import { blindIndex, isBlindIndex, normaliseName, open, piiKeyring, seal } from '../../core/pii/index.ts';
import type { JsonColumn, Store } from '../../store/port.ts';
import { HASHED_IDENTITY_TYPES } from './member-fields.ts';

const col = (name: string, type: JsonColumn['type'] = 'text'): JsonColumn => ({ name, type });
const MEMBER_COLUMNS = [col('ws'), col('id'), col('name'), col('phone'), col('email'), col('address'), col('name_hash'), col('phone_hash'), col('email_hash'),
  col('old_name'), col('old_phone'), col('old_email'), col('old_address')];
const IDENTITY_COLUMNS = [col('ws'), col('type'), col('old'), col('value'), col('value_enc')];

export interface SealProgress {
  members: number;
  identities: number;
  merges: number;
  batches: number;
  /** Rows still not under the current key (0 when done). */
  remaining: number;
  key_id: string;
}

/** `col` holds something other than a value sealed with the current key. */
const stale = (c: string) => `(${c} IS NOT NULL AND substr(${c}, 1, $2) <> $1)`;

export class SealPass {
  constructor(private readonly store: Store) {}

  private prefix() {
    const id = piiKeyring().current.id;
    const p = `v1:${id}:`;
    return { id, p, params: [p, p.length] as [string, number] };
  }

  /** Rows not yet under the current key. */
  async remaining(): Promise<number> {
    const { params } = this.prefix();
    const [m] = await this.store.query<{ n: number }>(
      `SELECT count(*) AS n FROM members WHERE ${['name', 'phone', 'email', 'address'].map(stale).join(' OR ')}`, params);
    const [i] = await this.store.query<{ n: number }>(
      `SELECT count(*) AS n FROM identities WHERE type IN ('phone', 'email') AND (substr(value, 1, 3) <> 'h1:' OR value_enc IS NULL OR ${stale('value_enc')})`, params);
    return Number(m?.n ?? 0) + Number(i?.n ?? 0);
  }

  /**
   * Runs batches until nothing is left or `maxBatches` ran. Each batch is its own transaction of at most
   * `batchSize` members and as many identities.
   */
  async run(opts: { batchSize?: number; maxBatches?: number } = {}): Promise<SealProgress> {
    const size = Math.max(1, Math.min(opts.batchSize ?? 5000, 50_000));
    const out: SealProgress = { members: 0, identities: 0, merges: 0, batches: 0, remaining: 0, key_id: this.prefix().id };
    for (let b = 0; b < (opts.maxBatches ?? Infinity); b++) {
      const m = await this.memberBatch(size);
      const i = await this.identityBatch(size);
      const g = await this.mergeBatch(size);
      if (m + i + g === 0) break;
      out.members += m;
      out.identities += i;
      out.merges += g;
      out.batches++;
    }
    out.remaining = await this.remaining();
    return out;
  }

  private async memberBatch(size: number): Promise<number> {
    const { params } = this.prefix();
    const rows = await this.store.query<{ ws: string; id: string; name: string | null; phone: string | null; email: string | null; address: string | null }>(
      `SELECT workspace_id AS ws, id, name, phone, email, address FROM members
       WHERE ${['name', 'phone', 'email', 'address'].map(stale).join(' OR ')}
       ORDER BY workspace_id, id LIMIT $3`,
      [...params, size],
    );
    if (rows.length === 0) return 0;
    const sealed = rows.map((r) => {
      const name = r.name === null ? null : open(r.name);
      const phone = r.phone === null ? null : open(r.phone);
      const email = r.email === null ? null : open(r.email);
      const address = r.address === null ? null : open(r.address);
      return {
        ws: r.ws, id: r.id,
        name: name === null ? null : seal(name), phone: phone === null ? null : seal(phone),
        email: email === null ? null : seal(email), address: address === null ? null : seal(address),
        name_hash: name ? blindIndex('name', normaliseName(name)) : null,
        phone_hash: phone ? blindIndex('phone', phone) : null,
        email_hash: email ? blindIndex('email', email) : null,
        old_name: r.name, old_phone: r.phone, old_email: r.email, old_address: r.address,
      };
    });
    await this.store.transaction((tx) => tx.exec(
      `UPDATE members SET name = r.name, phone = r.phone, email = r.email, address = r.address,
         name_hash = r.name_hash, phone_hash = r.phone_hash, email_hash = r.email_hash
       FROM ${this.store.jsonRows(1, MEMBER_COLUMNS, 'r')} WHERE members.workspace_id = r.ws AND members.id = r.id
         -- compare-and-set: a row a writer changed since the read keeps its newer value (already under the current key)
         AND members.name IS NOT DISTINCT FROM r.old_name AND members.phone IS NOT DISTINCT FROM r.old_phone
         AND members.email IS NOT DISTINCT FROM r.old_email AND members.address IS NOT DISTINCT FROM r.old_address`,
      [JSON.stringify(sealed)],
    ));
    return rows.length;
  }

  /** Phone and email identities: plaintext values become lookup hashes; display values move to the current key. */
  private async identityBatch(size: number): Promise<number> {
    const { params } = this.prefix();
    const rows = await this.store.query<{ ws: string; type: string; value: string; value_enc: string | null }>(
      `SELECT workspace_id AS ws, type, value, value_enc FROM identities
       WHERE type IN ('phone', 'email') AND (substr(value, 1, 3) <> 'h1:' OR value_enc IS NULL OR ${stale('value_enc')})
       ORDER BY workspace_id, type, value LIMIT $3`,
      [...params, size],
    );
    if (rows.length === 0) return 0;
    const fixed = rows.map((r) => {
      const hashed = isBlindIndex(r.value);
      const plain = hashed ? (r.value_enc === null ? null : open(r.value_enc)) : r.value;
      return { ws: r.ws, type: r.type, old: r.value, value: hashed ? r.value : blindIndex(r.type as 'phone', r.value), value_enc: plain === null ? null : seal(plain) };
    }).filter((r) => HASHED_IDENTITY_TYPES.has(r.type));
    const src = (i: number) => this.store.jsonRows(i, IDENTITY_COLUMNS, 'r');
    await this.store.transaction(async (tx) => {
      // The value is part of the primary key: re-insert under the hash rather than update the key in place.
      await tx.exec(
        `INSERT INTO identities (workspace_id, type, value, member_id, source_channel, app_id, first_seen_at, last_seen_at, value_enc)
         SELECT i.workspace_id, i.type, r.value, i.member_id, i.source_channel, i.app_id, i.first_seen_at, i.last_seen_at, r.value_enc
         FROM identities i JOIN ${src(1)} ON i.workspace_id = r.ws AND i.type = r.type AND i.value = r.old
         WHERE r.value <> r.old`,
        [JSON.stringify(fixed)],
      );
      await tx.exec(
        `DELETE FROM identities WHERE EXISTS (SELECT 1 FROM ${src(1)}
           WHERE r.value <> r.old AND r.ws = identities.workspace_id AND r.type = identities.type AND r.old = identities.value)`,
        [JSON.stringify(fixed)],
      );
      await tx.exec(
        `UPDATE identities SET value_enc = r.value_enc FROM ${src(1)}
         WHERE identities.workspace_id = r.ws AND identities.type = r.type AND identities.value = r.old AND r.value = r.old`,
        [JSON.stringify(fixed)],
      );
    });
    return rows.length;
  }

  /** Merge history naming a plaintext phone or email: the hash replaces it. */
  private async mergeBatch(size: number): Promise<number> {
    const rows = await this.store.query<{ ws: string; id: string; type: string; value: string }>(
      `SELECT workspace_id AS ws, id, identity_type AS type, identity_value AS value FROM member_merges
       WHERE identity_type IN ('phone', 'email') AND identity_value IS NOT NULL AND substr(identity_value, 1, 3) <> 'h1:'
       ORDER BY workspace_id, id LIMIT $1`,
      [size],
    );
    if (rows.length === 0) return 0;
    const fixed = rows.map((r) => ({ ws: r.ws, id: r.id, value: blindIndex(r.type as 'phone', r.value) }));
    await this.store.transaction((tx) => tx.exec(
      `UPDATE member_merges SET identity_value = r.value FROM ${this.store.jsonRows(1, [col('ws'), col('id'), col('value')], 'r')}
       WHERE member_merges.workspace_id = r.ws AND member_merges.id = r.id`,
      [JSON.stringify(fixed)],
    ));
    return rows.length;
  }
}

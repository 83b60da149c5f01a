// SQL of channel QR codes and the arrivals through them (new contacts, group joins), with the optimistic rotation
// update that keeps two processes from rotating one code twice for one arrival.
import type { SqlExecutor } from '../../store/port.ts';

export interface QrCodeRow {
  id: string;
  name: string;
  kind: 'contact' | 'group';
  state: string;
  channel_id: string;
  acquisition_channel: string | null;
  store_id: string | null;
  campaign: string | null;
  staff_ids: string[];
  rotation: 'round_robin' | 'least_loaded';
  current_staff_id: string | null;
  rotation_seq: number;
  chat_ids: string[];
  welcome_template: string | null;
  welcome_text: string | null;
  tags: string[];
  skip_verify: boolean;
  config_id: string | null;
  qr_code: string | null;
  group_welcome_template_id: string | null;
  active: boolean;
  created_at: string;
  updated_at: string;
}

export interface ArrivalRow {
  qrcode_id: string;
  member_id: string;
  external_userid: string | null;
  staff_userid: string | null;
  chat_id: string | null;
  arrived_at: string;
  left_at: string | null;
}

const COLS = `id, name, kind, state, channel_id, acquisition_channel, store_id, campaign, staff_ids, rotation, current_staff_id, rotation_seq,
  chat_ids, welcome_template, welcome_text, tags, skip_verify, config_id, qr_code, group_welcome_template_id, active, created_at, updated_at`;

const parse = (v: unknown): string[] => (typeof v === 'string' ? JSON.parse(v) : ((v as string[] | null) ?? []));
const row = (r: any): QrCodeRow => ({ ...r, staff_ids: parse(r.staff_ids), chat_ids: parse(r.chat_ids), tags: parse(r.tags), rotation_seq: Number(r.rotation_seq) });

export const qrcodeRepo = {
  async get(db: SqlExecutor, ws: string, ref: string): Promise<QrCodeRow | null> {
    const [r] = await db.query(`SELECT ${COLS} FROM qrcodes WHERE workspace_id = $1 AND (id = $2 OR state = $2 OR name = $2) ORDER BY CASE WHEN id = $2 THEN 0 WHEN state = $2 THEN 1 ELSE 2 END, created_at LIMIT 1`, [ws, ref]);
    return r ? row(r) : null;
  },

  async byState(db: SqlExecutor, ws: string, state: string): Promise<QrCodeRow | null> {
    const [r] = await db.query(`SELECT ${COLS} FROM qrcodes WHERE workspace_id = $1 AND state = $2`, [ws, state]);
    return r ? row(r) : null;
  },

  async list(db: SqlExecutor, ws: string, q: { active?: boolean; kind?: string }): Promise<QrCodeRow[]> {
    const rows = await db.query(
      `SELECT ${COLS} FROM qrcodes WHERE workspace_id = $1 AND ($2::BOOLEAN IS NULL OR active = $2) AND ($3::VARCHAR IS NULL OR kind = $3) ORDER BY created_at, id`,
      [ws, q.active ?? null, q.kind ?? null],
    );
    return rows.map(row);
  },

  /** Active contact codes whose rotation includes `staffId`. */
  async listingStaff(db: SqlExecutor, ws: string, staffId: string): Promise<QrCodeRow[]> {
    return (await this.list(db, ws, { active: true, kind: 'contact' })).filter((q) => q.staff_ids.includes(staffId));
  },

  async insert(db: SqlExecutor, ws: string, q: Omit<QrCodeRow, 'created_at' | 'updated_at'>, now: string): Promise<void> {
    await db.exec(
      `INSERT INTO qrcodes (workspace_id, id, name, kind, state, channel_id, acquisition_channel, store_id, campaign, staff_ids, rotation, current_staff_id,
         rotation_seq, chat_ids, welcome_template, welcome_text, tags, skip_verify, config_id, qr_code, group_welcome_template_id, active, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::JSON, $11, $12, $13, $14::JSON, $15, $16, $17::JSON, $18, $19, $20, $21, $22, $23::TIMESTAMPTZ, $23::TIMESTAMPTZ)`,
      [ws, q.id, q.name, q.kind, q.state, q.channel_id, q.acquisition_channel, q.store_id, q.campaign, JSON.stringify(q.staff_ids), q.rotation, q.current_staff_id,
        q.rotation_seq, JSON.stringify(q.chat_ids), q.welcome_template, q.welcome_text, JSON.stringify(q.tags), q.skip_verify, q.config_id, q.qr_code,
        q.group_welcome_template_id, q.active, now],
    );
  },

  async update(db: SqlExecutor, ws: string, q: QrCodeRow, now: string): Promise<void> {
    await db.exec(
      `UPDATE qrcodes SET name = $3, acquisition_channel = $4, store_id = $5, campaign = $6, staff_ids = $7::JSON, rotation = $8, current_staff_id = $9,
         chat_ids = $10::JSON, welcome_template = $11, welcome_text = $12, tags = $13::JSON, group_welcome_template_id = $14, active = $15, qr_code = $16,
         updated_at = $17::TIMESTAMPTZ
       WHERE workspace_id = $1 AND id = $2`,
      [ws, q.id, q.name, q.acquisition_channel, q.store_id, q.campaign, JSON.stringify(q.staff_ids), q.rotation, q.current_staff_id, JSON.stringify(q.chat_ids),
        q.welcome_template, q.welcome_text, JSON.stringify(q.tags), q.group_welcome_template_id, q.active, q.qr_code, now],
    );
  },

  /** Moves the code to `staffId` if nobody rotated it since `seq` was read; returns whether this call did. */
  async rotate(db: SqlExecutor, ws: string, id: string, seq: number, staffId: string, now: string): Promise<boolean> {
    const n = await db.execCount(
      `UPDATE qrcodes SET current_staff_id = $4, rotation_seq = rotation_seq + 1, updated_at = $5::TIMESTAMPTZ WHERE workspace_id = $1 AND id = $2 AND rotation_seq = $3`,
      [ws, id, seq, staffId, now],
    );
    return n === 1;
  },

  /** Records an arrival; a member coming back through the same code is marked present again. Returns whether it is new. */
  async arrive(db: SqlExecutor, ws: string, a: Omit<ArrivalRow, 'left_at'>): Promise<boolean> {
    const fresh = await db.execCount(
      `INSERT INTO qrcode_arrivals (workspace_id, qrcode_id, member_id, external_userid, staff_userid, chat_id, arrived_at)
       SELECT $1::VARCHAR, $2::VARCHAR, $3::VARCHAR, $4::VARCHAR, $5::VARCHAR, $6::VARCHAR, $7::TIMESTAMPTZ
       WHERE NOT EXISTS (SELECT 1 FROM qrcode_arrivals WHERE workspace_id = $1::VARCHAR AND qrcode_id = $2::VARCHAR AND member_id = $3::VARCHAR)`,
      [ws, a.qrcode_id, a.member_id, a.external_userid, a.staff_userid, a.chat_id, a.arrived_at],
    );
    if (fresh === 0) await db.exec(`UPDATE qrcode_arrivals SET left_at = NULL WHERE workspace_id = $1 AND qrcode_id = $2 AND member_id = $3 AND left_at IS NOT NULL`, [ws, a.qrcode_id, a.member_id]);
    return fresh === 1;
  },

  /** A contact ended (customer and employee no longer contacts): arrivals of that pair are marked left. */
  async contactLeft(db: SqlExecutor, ws: string, externalUserid: string, staffUserid: string, at: string): Promise<void> {
    await db.exec(
      `UPDATE qrcode_arrivals SET left_at = $4::TIMESTAMPTZ WHERE workspace_id = $1 AND external_userid = $2 AND staff_userid = $3 AND chat_id IS NULL AND left_at IS NULL`,
      [ws, externalUserid, staffUserid, at],
    );
  },

  /** A member left a group: arrivals through codes of that group are marked left. */
  async groupLeft(db: SqlExecutor, ws: string, chatId: string, externalUserid: string, at: string): Promise<void> {
    await db.exec(`UPDATE qrcode_arrivals SET left_at = $4::TIMESTAMPTZ WHERE workspace_id = $1 AND chat_id = $2 AND external_userid = $3 AND left_at IS NULL`, [ws, chatId, externalUserid, at]);
  },

  async markEffectsDone(db: SqlExecutor, ws: string, qrcodeId: string, memberId: string): Promise<void> {
    await db.exec(`UPDATE qrcode_arrivals SET effects_done_at = now() WHERE workspace_id = $1 AND qrcode_id = $2 AND member_id = $3`, [ws, qrcodeId, memberId]);
  },

  /** Arrivals whose tags and attributes were never applied (the process stopped in between), older than `before`. */
  async pendingEffects(db: SqlExecutor, ws: string, before: string, limit: number): Promise<ArrivalRow[]> {
    return db.query<ArrivalRow>(
      `SELECT qrcode_id, member_id, external_userid, staff_userid, chat_id, arrived_at, left_at FROM qrcode_arrivals
       WHERE workspace_id = $1 AND effects_done_at IS NULL AND arrived_at < $2::TIMESTAMPTZ ORDER BY arrived_at LIMIT $3`,
      [ws, before, limit],
    );
  },

  async arrivals(db: SqlExecutor, ws: string, qrcodeId: string, limit: number, after: string | null): Promise<ArrivalRow[]> {
    return db.query<ArrivalRow>(
      `SELECT qrcode_id, member_id, external_userid, staff_userid, chat_id, arrived_at, left_at FROM qrcode_arrivals
       WHERE workspace_id = $1 AND qrcode_id = $2 AND ($3::VARCHAR IS NULL OR member_id > $3) ORDER BY member_id LIMIT $4`,
      [ws, qrcodeId, after, limit],
    );
  },
};

// SQL of messaging channel configs (table messaging_channels).
import type { SqlExecutor } from '../../store/port.ts';
import type { ChannelOptions, MessagingChannelType } from './types.ts';

/** A channel as stored, secrets included: never hand this to a client (see `publicChannel`). */
export interface ChannelRow {
  workspace_id: string;
  id: string;
  type: MessagingChannelType;
  name: string;
  config: Record<string, unknown>;
  options: ChannelOptions;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

const COLUMNS = 'workspace_id, id, type, name, config, options, enabled, created_at, updated_at';

function parseJson<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

function shape(r: Record<string, any>): ChannelRow {
  return { ...r, config: parseJson(r.config), options: parseJson(r.options), enabled: Boolean(r.enabled) } as ChannelRow;
}

export const channelRepo = {
  async list(db: SqlExecutor, ws: string): Promise<ChannelRow[]> {
    return (await db.query(`SELECT ${COLUMNS} FROM messaging_channels WHERE workspace_id = $1 ORDER BY name`, [ws])).map(shape);
  },

  /** By id or, failing that, by name. */
  async find(db: SqlExecutor, ws: string, ref: string): Promise<ChannelRow | null> {
    const rows = await db.query(`SELECT ${COLUMNS} FROM messaging_channels WHERE workspace_id = $1 AND (id = $2 OR name = $2) ORDER BY (id = $2) DESC LIMIT 1`, [ws, ref]);
    return rows[0] ? shape(rows[0]) : null;
  },

  /** By id alone, whatever the workspace (receipts arrive without a key). */
  async byId(db: SqlExecutor, id: string): Promise<ChannelRow | null> {
    const rows = await db.query(`SELECT ${COLUMNS} FROM messaging_channels WHERE id = $1`, [id]);
    return rows[0] ? shape(rows[0]) : null;
  },

  async insert(db: SqlExecutor, c: ChannelRow): Promise<void> {
    await db.exec(
      `INSERT INTO messaging_channels (${COLUMNS}) VALUES ($1, $2, $3, $4, CAST($5 AS JSON), CAST($6 AS JSON), $7, $8::TIMESTAMPTZ, $8::TIMESTAMPTZ)`,
      [c.workspace_id, c.id, c.type, c.name, JSON.stringify(c.config), JSON.stringify(c.options), c.enabled, c.created_at],
    );
  },

  async update(db: SqlExecutor, c: ChannelRow): Promise<void> {
    await db.exec(
      `UPDATE messaging_channels SET type = $3, name = $4, config = CAST($5 AS JSON), options = CAST($6 AS JSON), enabled = $7, updated_at = $8::TIMESTAMPTZ
       WHERE workspace_id = $1 AND id = $2`,
      [c.workspace_id, c.id, c.type, c.name, JSON.stringify(c.config), JSON.stringify(c.options), c.enabled, c.updated_at],
    );
  },

  async delete(db: SqlExecutor, ws: string, id: string): Promise<number> {
    return db.execCount('DELETE FROM messaging_channels WHERE workspace_id = $1 AND id = $2', [ws, id]);
  },
};

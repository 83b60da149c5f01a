// SQL of message templates: templates (soft-deleted), their immutable versions, and the live-name keys.
import type { SqlExecutor } from '../../store/port.ts';

export interface TemplateRow {
  id: string;
  name: string;
  description: string | null;
  current_version: number;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface VersionRow {
  template_id: string;
  version: number;
  content: Record<string, unknown>;
  variables: string[] | null;
  created_at: string;
}

const COLUMNS = 'id, name, description, current_version, created_at, updated_at, deleted_at';

export const templatesRepo = {
  /** A live template by id, or by name (ids and names never collide: ids carry the `mtpl_` prefix). */
  async find(db: SqlExecutor, ws: string, ref: string): Promise<TemplateRow | undefined> {
    const rows = await db.query<TemplateRow>(
      `SELECT ${COLUMNS} FROM message_templates WHERE workspace_id = $1 AND deleted_at IS NULL
         AND (id = $2 OR id = (SELECT n.template_id FROM message_template_names n WHERE n.workspace_id = $1 AND n.name = $2))`,
      [ws, ref],
    );
    return rows[0];
  },

  /** A template by id, deleted or not (sends keep naming deleted templates' versions). */
  async byId(db: SqlExecutor, ws: string, id: string): Promise<TemplateRow | undefined> {
    return (await db.query<TemplateRow>(`SELECT ${COLUMNS} FROM message_templates WHERE workspace_id = $1 AND id = $2`, [ws, id]))[0];
  },

  async list(db: SqlExecutor, ws: string, q: { limit: number; after?: string; search?: string }): Promise<TemplateRow[]> {
    const params: (string | number)[] = [ws, q.limit + 1];
    const where = ['workspace_id = $1', 'deleted_at IS NULL'];
    if (q.after) {
      params.push(q.after);
      where.push(`id < $${params.length}`);
    }
    if (q.search) {
      params.push(`%${q.search.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`);
      where.push(`lower(name) LIKE $${params.length} ESCAPE '\\'`);
    }
    return db.query<TemplateRow>(`SELECT ${COLUMNS} FROM message_templates WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $2`, params);
  },

  async version(db: SqlExecutor, ws: string, templateId: string, version: number): Promise<VersionRow | undefined> {
    const rows = await db.query<VersionRow>(
      'SELECT template_id, version, content, variables, created_at FROM message_template_versions WHERE workspace_id = $1 AND template_id = $2 AND version = $3',
      [ws, templateId, version],
    );
    return rows[0];
  },

  /** Current versions of several templates (list pages show their channels). */
  async currentVersions(db: SqlExecutor, ws: string, templates: TemplateRow[]): Promise<Map<string, VersionRow>> {
    if (templates.length === 0) return new Map();
    const ids = templates.map((_, i) => `$${i + 2}`).join(', ');
    const rows = await db.query<VersionRow>(
      `SELECT v.template_id, v.version, v.content, v.variables, v.created_at FROM message_template_versions v
       JOIN message_templates t ON t.workspace_id = v.workspace_id AND t.id = v.template_id AND t.current_version = v.version
       WHERE v.workspace_id = $1 AND v.template_id IN (${ids})`,
      [ws, ...templates.map((t) => t.id)],
    );
    return new Map(rows.map((r) => [r.template_id, r]));
  },

  async versions(db: SqlExecutor, ws: string, templateId: string): Promise<Omit<VersionRow, 'content'>[]> {
    return db.query(
      'SELECT template_id, version, variables, created_at FROM message_template_versions WHERE workspace_id = $1 AND template_id = $2 ORDER BY version DESC',
      [ws, templateId],
    );
  },

  async nameOwner(db: SqlExecutor, ws: string, name: string): Promise<string | undefined> {
    return (await db.query<{ template_id: string }>('SELECT template_id FROM message_template_names WHERE workspace_id = $1 AND name = $2', [ws, name]))[0]?.template_id;
  },

  async insert(db: SqlExecutor, ws: string, t: { id: string; name: string; description: string | null; at: string }): Promise<void> {
    await db.exec('INSERT INTO message_template_names (workspace_id, name, template_id) VALUES ($1, $2, $3)', [ws, t.name, t.id]);
    await db.exec(
      `INSERT INTO message_templates (workspace_id, id, name, description, current_version, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 1, CAST($5 AS TIMESTAMPTZ), CAST($5 AS TIMESTAMPTZ))`,
      [ws, t.id, t.name, t.description, t.at],
    );
  },

  async insertVersion(db: SqlExecutor, ws: string, v: { templateId: string; version: number; content: unknown; variables: string[]; at: string }): Promise<void> {
    await db.exec(
      `INSERT INTO message_template_versions (workspace_id, template_id, version, content, variables, created_at)
       VALUES ($1, $2, $3, CAST($4 AS JSON), CAST($5 AS JSON), CAST($6 AS TIMESTAMPTZ))`,
      [ws, v.templateId, v.version, JSON.stringify(v.content), JSON.stringify(v.variables), v.at],
    );
  },

  async update(db: SqlExecutor, ws: string, id: string, p: { name: string; description: string | null; currentVersion: number; at: string }): Promise<void> {
    await db.exec(
      `UPDATE message_templates SET name = $3, description = $4, current_version = $5, updated_at = CAST($6 AS TIMESTAMPTZ)
       WHERE workspace_id = $1 AND id = $2`,
      [ws, id, p.name, p.description, p.currentVersion, p.at],
    );
  },

  async rename(db: SqlExecutor, ws: string, id: string, from: string, to: string): Promise<void> {
    await db.exec('DELETE FROM message_template_names WHERE workspace_id = $1 AND name = $2 AND template_id = $3', [ws, from, id]);
    await db.exec('INSERT INTO message_template_names (workspace_id, name, template_id) VALUES ($1, $2, $3)', [ws, to, id]);
  },

  async softDelete(db: SqlExecutor, ws: string, id: string, name: string, at: string): Promise<void> {
    await db.exec('DELETE FROM message_template_names WHERE workspace_id = $1 AND name = $2 AND template_id = $3', [ws, name, id]);
    await db.exec('UPDATE message_templates SET deleted_at = CAST($3 AS TIMESTAMPTZ), updated_at = CAST($3 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND id = $2', [ws, id, at]);
  },
};

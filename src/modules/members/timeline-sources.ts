// Where the message sends of a timeline page came from: a send's source key names a broadcast, a journey step or a
// one-off send; the broadcast's or the journey step's template and the source's name are looked up for the page.
import type { SqlExecutor } from '../../store/port.ts';

/** What a source key says, read without I/O. */
export interface ParsedSource {
  /** `broadcast`, `journey`, `oneoff`, or the key's own prefix for other senders. */
  source: string;
  /** The broadcast or journey id. */
  source_id: string | null;
  /** The journey step that sent it. */
  step_id: string | null;
}

/**
 * Reads a message send's source key.
 * @example parseSourceKey('broadcast:brd_1') // { source: 'broadcast', source_id: 'brd_1', step_id: null }
 * @example parseSourceKey('journey:jrn_1:step:welcome:e2') // { source: 'journey', source_id: 'jrn_1', step_id: 'welcome' }
 */
export function parseSourceKey(key: string): ParsedSource {
  const broadcast = /^broadcast:([^:]+)$/.exec(key);
  if (broadcast) return { source: 'broadcast', source_id: broadcast[1], step_id: null };
  // Journey sends: `journey:<id>:step:<step>` then optional `:k:…`, `:e<n>`, `:v<n>` (see journeys/keys.ts).
  const journey = /^journey:([^:]+):step:([A-Za-z0-9_-]+)(?::|$)/.exec(key);
  if (journey) return { source: 'journey', source_id: journey[1], step_id: journey[2] };
  const colon = key.indexOf(':');
  return { source: colon > 0 ? key.slice(0, colon) : 'other', source_id: null, step_id: null };
}

/** A described source: its kind, id and name, and the template the message was rendered from (name, else id). */
export interface SourceInfo extends ParsedSource {
  source_name: string | null;
  template: string | null;
}

/** The template a journey step sends, from a definition as stored (object or JSON text). */
export function stepTemplate(definition: unknown, stepId: string): string | null {
  let d = definition;
  if (typeof d === 'string') {
    try {
      d = JSON.parse(d);
    } catch {
      return null;
    }
  }
  const step = (d as { steps?: Record<string, { template?: unknown }> } | null)?.steps?.[stepId];
  return typeof step?.template === 'string' ? step.template : null;
}

const list = (values: string[], from: number) => values.map((_, i) => `$${i + from}`).join(', ');

/** Describes the source keys of a page of sends: a few primary-key lookups, whatever the page size. */
export async function describeSources(db: SqlExecutor, ws: string, keys: string[]): Promise<Map<string, SourceInfo>> {
  const parsed = new Map([...new Set(keys)].map((k) => [k, parseSourceKey(k)]));
  const ids = (source: string) => [...new Set([...parsed.values()].filter((p) => p.source === source).map((p) => p.source_id!))];
  const [broadcastIds, journeyIds] = [ids('broadcast'), ids('journey')];
  const [broadcasts, journeys] = await Promise.all([
    broadcastIds.length === 0
      ? []
      : db.query<{ id: string; name: string; template_id: string }>(
          `SELECT id, name, template_id FROM broadcasts WHERE workspace_id = $1 AND id IN (${list(broadcastIds, 2)})`,
          [ws, ...broadcastIds],
        ),
    journeyIds.length === 0
      ? []
      : db.query<{ id: string; name: string; draft: unknown; definition: unknown }>(
          `SELECT j.id, j.name, j.draft, v.definition FROM journeys j
           LEFT JOIN journey_versions v ON v.workspace_id = j.workspace_id AND v.journey_id = j.id AND v.version = j.version
           WHERE j.workspace_id = $1 AND j.id IN (${list(journeyIds, 2)})`,
          [ws, ...journeyIds],
        ),
  ]);
  const byBroadcast = new Map(broadcasts.map((b) => [b.id, b]));
  const byJourney = new Map(journeys.map((j) => [j.id, j]));
  const described = new Map<string, SourceInfo>();
  for (const [key, p] of parsed) {
    if (p.source === 'broadcast') {
      const b = byBroadcast.get(p.source_id!);
      described.set(key, { ...p, source_name: b?.name ?? null, template: b?.template_id ?? null });
    } else if (p.source === 'journey') {
      const j = byJourney.get(p.source_id!);
      // The published definition the journey runs now (a send step's template is pinned there), else the draft.
      const template = j ? stepTemplate(j.definition ?? j.draft, p.step_id!) ?? stepTemplate(j.draft, p.step_id!) : null;
      described.set(key, { ...p, source_name: j?.name ?? null, template });
    } else described.set(key, { ...p, source_name: null, template: null });
  }
  // Templates are named by id (broadcasts) or by id or name (journey steps): show the name.
  const refs = [...new Set([...described.values()].flatMap((d) => (d.template ? [d.template] : [])))];
  if (refs.length > 0) {
    const rows = await db.query<{ id: string; name: string }>(
      `SELECT id, name FROM message_templates WHERE workspace_id = $1 AND (id IN (${list(refs, 2)}) OR name IN (${list(refs, 2)}))`,
      [ws, ...refs],
    );
    const names = new Map(rows.flatMap((r) => [[r.id, r.name], [r.name, r.name]] as const));
    for (const d of described.values()) if (d.template) d.template = names.get(d.template) ?? d.template;
  }
  return described;
}

// Consent from event streams: a Segment track event "Consent Updated" records statements inside the ingest
// transaction (so the event and the consent commit together, exactly once per messageId).
//
//   { "type": "track", "event": "Consent Updated", "userId": "u1",
//     "properties": { "channel_type": "sms", "purpose": "marketing", "status": "granted" } }
//   or several at once: "properties": { "consents": { "sms_marketing": true, "email_marketing": false } }
//
// `channel_type` is a messaging channel type or `all` (`channel` is read too, but the ingest module also takes it as
// the event's source channel); `status` may be granted/revoked or `granted: true|false`; purpose defaults to
// marketing. Invalid properties are skipped (the event is still stored), as Segment accepts any track call.
import type { SqlExecutor } from '../../store/port.ts';
import type { IngestMessage } from '../ingest/schema.ts';
import { CONSENT_CHANNELS, PURPOSES, type ConsentChannel, type ConsentStatus, type Purpose } from './schema.ts';
import type { ConsentChange } from './service.ts';

export const CONSENT_EVENT = 'Consent Updated';

/** The part of the ingest service this needs. */
export interface TrackSource {
  onTrack(eventName: string, handler: (tx: SqlExecutor, workspaceId: string, items: { memberId: string | null; message: IngestMessage }[]) => Promise<void>): void;
}

const isChannel = (c: unknown): c is ConsentChannel => typeof c === 'string' && (CONSENT_CHANNELS as readonly string[]).includes(c);
const isPurpose = (p: unknown): p is Purpose => typeof p === 'string' && (PURPOSES as readonly string[]).includes(p);

function statusOf(v: unknown): ConsentStatus | null {
  if (v === true || v === 'granted') return 'granted';
  if (v === false || v === 'revoked') return 'revoked';
  return null;
}

const str = (v: unknown, max: number) => (typeof v === 'string' && v.length > 0 ? v.slice(0, max) : null);

/**
 * The statements one event carries (none when its properties make no valid statement).
 * @example statementsOf(memberId, message) // [{ channel: 'sms', purpose: 'marketing', status: 'granted', source: 'ingest', … }]
 */
export function statementsOf(memberId: string, m: IngestMessage): ConsentChange[] {
  const p = m.properties ?? {};
  const ctx = (m.context ?? {}) as Record<string, unknown>;
  const base = {
    memberId,
    source: 'ingest' as const,
    sourceDetail: str(p.source_detail, 500) ?? `event ${m.messageId}`,
    operator: str(p.operator, 200),
    ip: str(ctx.ip, 64),
    userAgent: str(ctx.userAgent, 500),
    at: m.timestamp,
  };
  const out: ConsentChange[] = [];
  if (p.consents && typeof p.consents === 'object' && !Array.isArray(p.consents)) {
    for (const [key, value] of Object.entries(p.consents as Record<string, unknown>)) {
      const i = key.lastIndexOf('_');
      const channel = key.slice(0, i);
      const purpose = key.slice(i + 1);
      const status = statusOf(value);
      if (i > 0 && isChannel(channel) && isPurpose(purpose) && status) out.push({ ...base, channel, purpose, status });
    }
    return out;
  }
  const status = statusOf(p.status ?? p.granted);
  const purpose = p.purpose ?? 'marketing';
  const channel = p.channel_type ?? p.channel;
  if (isChannel(channel) && isPurpose(purpose) && status) out.push({ ...base, channel, purpose, status });
  return out;
}

/** Registers the "Consent Updated" handler; `record` writes in the ingest transaction. */
export function registerConsentTrackHandler(ingest: TrackSource, record: (ws: string, changes: ConsentChange[], tx: SqlExecutor) => Promise<number>): void {
  ingest.onTrack(CONSENT_EVENT, async (tx, ws, items) => {
    const changes = items.flatMap((i) => (i.memberId ? statementsOf(i.memberId, i.message) : []));
    if (changes.length > 0) await record(ws, changes, tx);
  });
}

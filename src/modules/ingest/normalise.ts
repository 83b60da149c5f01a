// Validates Segment messages and normalises them: ids, clock-skew corrected timestamps, merged context, channel.
import { sealTraits } from '../pii/member-fields.ts';
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { SiyuError } from '../../core/errors.ts';
import { findUnstorableText, isUnstorable } from '../../core/unstorable-text.ts';
import { MAX_MESSAGE_BYTES, MESSAGE_SCHEMAS, type IngestMessage, type MessageType, type RawMessage } from './schema.ts';

/** What a request contributes to each of its messages. */
export interface RequestContext {
  /** Server receive time in epoch ms, and the same as ISO text. */
  receivedAt: number;
  receivedAtIso: string;
  /** Default channel of the write key. */
  keyChannel: string | null;
  /** Batch-level fields merged into each message. */
  batchContext?: Record<string, unknown> | null;
  batchIntegrations?: Record<string, unknown> | null;
  batchSentAt?: string | null;
  /** Check each message's serialised size (skipped when the whole body is known to be under the limit). */
  checkSize: boolean;
  /**
   * Look for NUL characters and lone UTF-16 surrogates in the JSON fields (default true). The routes turn it off
   * when the raw body holds no `\u0000` or `\ud800`-`\udfff` escape, the only way JSON text can carry them.
   */
  checkText?: boolean;
}

// Timestamps outside this window are typos or unit mix-ups (seconds vs ms) and would not fit some engines' ranges.
const MIN_TS = Date.UTC(1900, 0, 1);
const MAX_TS = Date.UTC(2200, 0, 1);

const fieldName = (prefix: string, path: readonly PropertyKey[]) =>
  path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), prefix);

/** The first zod issue as a SiyuError naming the field (`ingest.missing_field` or `ingest.invalid_field`). */
export function zodFailure(prefix: string, error: z.ZodError, input: unknown): SiyuError {
  const issue = error.issues[0];
  const field = fieldName(prefix, issue.path) || 'body';
  const missing = issue.path.length > 0 && valueAt(input, issue.path) === undefined;
  return missing
    ? new SiyuError('invalid_data', 'ingest.missing_field', `${field} is required`, { field })
    : new SiyuError('invalid_data', 'ingest.invalid_field', `${field}: ${issue.message}`, { field });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const p of path) v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** The name of field `f` of the message at `prefix` (built only when an error needs it). */
const at = (prefix: string, f: string) => (prefix ? `${prefix}.${f}` : f);

/** An id as text: numbers become strings, blank strings count as absent. */
function idText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const s = typeof v === 'number' ? String(v) : (v as string);
  return s.trim() === '' ? null : s;
}

function parseTime(v: string | null | undefined, prefix: string, f: string): number | null {
  if (v === null || v === undefined || v === '') return null;
  const ms = Date.parse(v);
  if (!(ms >= MIN_TS && ms < MAX_TS)) {
    const field = at(prefix, f);
    throw new SiyuError('invalid_data', 'ingest.invalid_timestamp', `${field} is not an ISO-8601 time between 1900 and 2200`, { field });
  }
  return ms;
}

// PostgreSQL text cannot hold NUL; reject it in the fields that become columns instead of failing the commit.
function assertNoNul(value: string | null, prefix: string, f: string) {
  if (value !== null && value.includes('\u0000')) {
    const field = at(prefix, f);
    throw new SiyuError('invalid_data', 'ingest.invalid_field', `${field} contains a NUL character`, { field });
  }
}

function assertStorableText(value: unknown, prefix: string, f: string) {
  if (value === null || value === undefined) return;
  const bad = findUnstorableText(value, at(prefix, f));
  if (bad) {
    throw new SiyuError('invalid_data', 'ingest.invalid_text', `${bad} contains a NUL character or a lone UTF-16 surrogate, which cannot be stored`, { field: bad });
  }
}

const textOrNull = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

function mergeObjects(batch: Record<string, unknown> | null | undefined, own: Record<string, unknown> | null | undefined) {
  if (!batch) return own ?? null;
  if (!own) return batch;
  return { ...batch, ...own };
}

/**
 * Validates one message of `type` and returns its normalised form. Throws SiyuError(invalid_data) naming the field
 * (`batch[3].userId` when `prefix` is `batch[3]`), or SiyuError(payload_too_large) above 32 KB.
 */
export function normaliseMessage(type: MessageType, raw: unknown, prefix: string, rc: RequestContext): IngestMessage {
  if (rc.checkSize) assertMessageSize(raw, prefix);
  const parsed = MESSAGE_SCHEMAS[type].safeParse(raw);
  if (!parsed.success) throw zodFailure(prefix, parsed.error, raw);
  const m = parsed.data as RawMessage;

  const userId = idText(m.userId);
  const anonymousId = idText(m.anonymousId);
  let previousId: string | null = null;
  let groupId: string | null = null;
  if (type === 'alias') {
    previousId = idText(m.previousId);
    if (!previousId) throw new SiyuError('invalid_data', 'ingest.missing_field', `${at(prefix, 'previousId')} is required`, { field: at(prefix, 'previousId') });
    if (!userId) throw new SiyuError('invalid_data', 'ingest.missing_field', `${at(prefix, 'userId')} is required for alias`, { field: at(prefix, 'userId') });
  } else if (!userId && !anonymousId) {
    throw new SiyuError('invalid_data', 'ingest.missing_identity', `${at(prefix, 'userId')} or ${at(prefix, 'anonymousId')} is required`, { field: at(prefix, 'userId') });
  }
  if (type === 'group') {
    groupId = idText(m.groupId);
    if (!groupId) throw new SiyuError('invalid_data', 'ingest.missing_field', `${at(prefix, 'groupId')} is required`, { field: at(prefix, 'groupId') });
  }

  const messageId = idText(m.messageId) ?? `api-${randomUUID()}`;
  assertNoNul(messageId, prefix, 'messageId');
  assertNoNul(userId, prefix, 'userId');
  assertNoNul(anonymousId, prefix, 'anonymousId');

  // Segment's clock-skew correction: the client's own clock dates both `timestamp` and `sentAt`, so their
  // difference is trustworthy even when the clock is not; anchor it on our receive time.
  const original = parseTime(m.originalTimestamp ?? m.timestamp, prefix, m.originalTimestamp ? 'originalTimestamp' : 'timestamp');
  const sentAt = parseTime(m.sentAt ?? rc.batchSentAt, prefix, 'sentAt');
  let ts = original ?? rc.receivedAt;
  if (sentAt !== null) ts = original === null ? rc.receivedAt : rc.receivedAt - (sentAt - original);
  if (!(ts >= MIN_TS && ts < MAX_TS)) ts = rc.receivedAt;

  let context = mergeObjects(rc.batchContext, m.context);
  const integrations = mergeObjects(rc.batchIntegrations, m.integrations);
  if (m.channel || integrations) {
    // No columns for these Segment fields; keep them with the context so nothing the client sent is lost.
    context = { ...context };
    if (m.channel) context.segmentChannel = m.channel;
    if (integrations) context.integrations = integrations;
  }

  let name: string | null = null;
  let properties: Record<string, unknown> | null = null;
  let traits: Record<string, unknown> | null = null;
  switch (type) {
    case 'track':
      name = m.event as string;
      properties = (m.properties as Record<string, unknown> | null) ?? null;
      break;
    case 'page':
    case 'screen':
      name = textOrNull(m.name);
      properties = (m.properties as Record<string, unknown> | null) ?? null;
      if (typeof m.category === 'string' && m.category && properties?.category === undefined) properties = { ...properties, category: m.category };
      break;
    case 'identify':
      traits = (m.traits as Record<string, unknown> | null) ?? null;
      properties = traits;
      break;
    case 'group':
      name = groupId;
      traits = (m.traits as Record<string, unknown> | null) ?? null;
      properties = traits;
      break;
    case 'alias':
      properties = { previousId };
      break;
  }
  assertNoNul(name, prefix, type === 'track' ? 'event' : type === 'group' ? 'groupId' : 'name');

  const channel = textOrNull(properties?.channel) ?? textOrNull(context?.channel) ?? rc.keyChannel ?? null;
  assertNoNul(channel, prefix, 'channel');
  if (rc.checkText !== false) {
    for (const [f, v] of [[type === 'identify' || type === 'group' ? 'traits' : 'properties', properties], ['context', context]] as const) assertStorableText(v, prefix, f);
    for (const [f, v] of [['messageId', messageId], ['userId', userId], ['anonymousId', anonymousId], ['event', name]] as const) {
      if (v !== null && isUnstorable(v)) throw new SiyuError('invalid_data', 'ingest.invalid_text', `${at(prefix, f)} contains a lone UTF-16 surrogate`, { field: at(prefix, f) });
    }
  }
  // The stored identify event keeps phone, email, name and address sealed (identity resolution gets the plain traits).
  if (type === 'identify') properties = sealTraits(properties);

  return {
    type,
    messageId,
    userId,
    anonymousId,
    name,
    properties,
    traits,
    previousId,
    groupId,
    context,
    channel,
    timestamp: new Date(ts).toISOString(),
    receivedAt: rc.receivedAtIso,
  };
}

/** A stack overflow: what serialising a value nested thousands of levels deep ends in. */
export const isTooDeep = (e: unknown) => e instanceof RangeError && /call stack/i.test(e.message);

export const tooDeep = (field: string) =>
  new SiyuError('invalid_data', 'ingest.too_deep', `${field} is nested too deeply to store; keep properties, traits and context under a few hundred levels`, { field });

/** Rejects a message whose JSON form exceeds 32 KB (bytes, UTF-8). */
export function assertMessageSize(raw: unknown, prefix: string) {
  let s: string;
  try {
    s = JSON.stringify(raw) ?? '';
  } catch (e) {
    if (isTooDeep(e)) throw tooDeep(prefix || 'body');
    throw e;
  }
  // Characters never exceed UTF-8 bytes, and one character is at most 3 bytes: count bytes only when it matters.
  const bytes = s.length * 3 <= MAX_MESSAGE_BYTES ? s.length : Buffer.byteLength(s);
  if (bytes > MAX_MESSAGE_BYTES) {
    const field = prefix || 'body';
    throw new SiyuError('payload_too_large', 'ingest.message_too_large', `${field} is ${bytes} bytes; a message may be at most 32 KB`, { field });
  }
}

/** True for the Segment call types. */
export const isMessageType = (t: unknown): t is MessageType => typeof t === 'string' && Object.hasOwn(MESSAGE_SCHEMAS, t);

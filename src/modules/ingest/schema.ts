// Wire schemas of the Segment HTTP Tracking API messages, limits, and the normalised message the pipeline stores.
import { z } from 'zod';

/** The Segment call types. */
export const MESSAGE_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** Segment's limits: 32 KB per message (and per single-message request), 500 KB per batch request. */
export const MAX_MESSAGE_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;

// A JSON object (not an array); null/absent allowed. A custom check instead of z.record so that large property
// bags are not walked key by key on the hot path.
const jsonObject = z
  .custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), { message: 'expected an object' })
  .nullish();

// Segment SDKs send ids as strings; some (and hand-written clients) send numbers, which Segment accepts.
const idValue = z.union([z.string().max(1024), z.number().finite()]).nullish();
const timestamp = z.string().max(64).nullish();

/*
 * Messages are loose objects on purpose: SDKs add fields of their own (`_metadata`, `writeKey`, `version`,
 * `options`, RudderStack's `rudderId`/`request_ip`, …) and Segment accepts them. Known fields are type-checked.
 */
const base = {
  messageId: idValue,
  userId: idValue,
  anonymousId: idValue,
  timestamp,
  originalTimestamp: timestamp,
  sentAt: timestamp,
  context: jsonObject,
  integrations: jsonObject,
  channel: z.string().max(64).nullish(),
  type: z.string().optional(),
};

export const MESSAGE_SCHEMAS = {
  identify: z.looseObject({ ...base, traits: jsonObject }),
  track: z.looseObject({ ...base, event: z.string().min(1, 'event is required').max(512), properties: jsonObject }),
  page: z.looseObject({ ...base, name: z.string().max(512).nullish(), category: z.string().max(512).nullish(), properties: jsonObject }),
  screen: z.looseObject({ ...base, name: z.string().max(512).nullish(), category: z.string().max(512).nullish(), properties: jsonObject }),
  group: z.looseObject({ ...base, groupId: z.union([z.string().min(1).max(1024), z.number().finite()]), traits: jsonObject }),
  alias: z.looseObject({ ...base, previousId: z.union([z.string().min(1).max(1024), z.number().finite()]) }),
} satisfies Record<MessageType, z.ZodType>;

export type RawMessage = z.infer<(typeof MESSAGE_SCHEMAS)[MessageType]> & Record<string, unknown>;

/** Body of `/v1/batch` and `/v1/import`: messages plus batch-level context/integrations merged into each. */
export const BatchBodySchema = z.looseObject({
  // Elements are checked one by one afterwards, so errors can name `batch[i].field`.
  batch: z.array(z.unknown()).min(1, 'batch must hold at least one message'),
  context: jsonObject,
  integrations: jsonObject,
  sentAt: timestamp,
  writeKey: z.string().optional(),
});

// OpenAPI-only shapes (the custom object check above has no JSON Schema form).
const docObject = z.record(z.string(), z.unknown()).nullish();
const docId = z.union([z.string(), z.number()]).nullish();
const docBase = {
  messageId: docId.describe('Makes retries idempotent: a messageId is stored once per workspace'),
  userId: docId,
  anonymousId: docId,
  timestamp: z.string().nullish().describe('ISO-8601; corrected for clock skew with sentAt'),
  sentAt: z.string().nullish(),
  context: docObject,
  integrations: docObject,
};

/** Docs-only body of each single call. */
export const DOC_SCHEMAS: Record<MessageType, z.ZodType> = {
  identify: z.looseObject({ ...docBase, traits: docObject }),
  track: z.looseObject({ ...docBase, event: z.string(), properties: docObject }),
  page: z.looseObject({ ...docBase, name: z.string().nullish(), category: z.string().nullish(), properties: docObject }),
  screen: z.looseObject({ ...docBase, name: z.string().nullish(), category: z.string().nullish(), properties: docObject }),
  group: z.looseObject({ ...docBase, groupId: z.union([z.string(), z.number()]), traits: docObject }),
  alias: z.looseObject({ ...docBase, previousId: z.union([z.string(), z.number()]) }),
};

/** Docs-only body of `/v1/batch`. */
export const BatchDocSchema = z.looseObject({
  batch: z.array(z.looseObject({ ...docBase, type: z.enum(MESSAGE_TYPES) }).catchall(z.unknown())),
  context: docObject,
  integrations: docObject,
  sentAt: z.string().nullish(),
});

/** One validated, normalised message as the pipeline stores it and hands to track handlers. */
export interface IngestMessage {
  type: MessageType;
  messageId: string;
  userId: string | null;
  anonymousId: string | null;
  /** track: the event name; page/screen: the page/screen name; group: the groupId; else null. */
  name: string | null;
  /** track/page/screen properties (page/screen `category` included); identify/group traits; alias `{ previousId }`. */
  properties: Record<string, unknown> | null;
  /** identify: the member traits; group: the group's traits (never applied to the member). */
  traits: Record<string, unknown> | null;
  /** alias: the earlier id merged into `userId`. */
  previousId: string | null;
  /** group: the group id. */
  groupId: string | null;
  /** Batch and message context merged; Segment's top-level `channel` kept as `segmentChannel`, integrations as `integrations`. */
  context: Record<string, unknown> | null;
  /** Source channel: properties.channel ?? context.channel ?? the write key's channel. */
  channel: string | null;
  /** When it happened (ISO), corrected for the client's clock skew. */
  timestamp: string;
  /** When the server received it (ISO). */
  receivedAt: string;
}

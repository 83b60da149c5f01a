// Segment-compatible HTTP Tracking API: /v1/identify|track|page|screen|group|alias, /v1/batch and /v1/import.
import { PassThrough } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SiyuError, isSiyuError } from '../../core/errors.ts';
import { RISKY_JSON_ESCAPE } from '../../core/unstorable-text.ts';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import { isMessageType, normaliseMessage, zodFailure, type RequestContext } from './normalise.ts';
import {
  BatchBodySchema,
  BatchDocSchema,
  DOC_SCHEMAS,
  MAX_BATCH_BYTES,
  MAX_MESSAGE_BYTES,
  MESSAGE_TYPES,
  type IngestMessage,
  type MessageType,
} from './schema.ts';

const BODY_BYTES = Symbol('ingestBodyBytes');
const BODY_ESCAPES = Symbol('ingestBodyEscapes');
type SizedRequest = FastifyRequest & { [BODY_BYTES]?: number; [BODY_ESCAPES]?: boolean };

const SuccessSchema = z.object({ success: z.literal(true) });
// Bodies are validated in the handler (per message, with `batch[i].field` names); the schemas only document.
const documentOnly = () => (data: unknown) => ({ value: data });

const plainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function requestContext(req: FastifyRequest, checkSize: boolean): RequestContext {
  const now = Date.now();
  const checkText = (req as SizedRequest)[BODY_ESCAPES] ?? true;
  return { receivedAt: now, receivedAtIso: new Date(now).toISOString(), keyChannel: req.principal?.channel ?? null, checkSize, checkText };
}

function requireObjectBody(body: unknown): asserts body is Record<string, unknown> {
  if (!plainObject(body)) throw new SiyuError('invalid_data', 'ingest.invalid_body', 'The body must be a JSON object', { field: 'body' });
}

/** Validates a `/v1/batch` body into messages; any invalid message rejects the whole request. */
export function parseBatch(body: unknown, rc: RequestContext): IngestMessage[] {
  requireObjectBody(body);
  const parsed = BatchBodySchema.safeParse(body);
  if (!parsed.success) {
    if (Array.isArray(body.batch) && body.batch.length === 0) {
      throw new SiyuError('invalid_data', 'ingest.empty_batch', 'batch must hold at least one message', { field: 'batch' });
    }
    throw zodFailure('', parsed.error, body);
  }
  const { batch, context, integrations, sentAt } = parsed.data;
  const ctx: RequestContext = { ...rc, batchContext: context, batchIntegrations: integrations, batchSentAt: sentAt };
  const out: IngestMessage[] = new Array(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const raw = batch[i];
    const prefix = `batch[${i}]`;
    if (!plainObject(raw)) throw new SiyuError('invalid_data', 'ingest.invalid_field', `${prefix}: expected an object`, { field: prefix });
    if (!isMessageType(raw.type)) {
      throw new SiyuError('invalid_data', 'ingest.unknown_type', `${prefix}.type must be one of ${MESSAGE_TYPES.join(', ')}`, { field: `${prefix}.type` });
    }
    out[i] = normaliseMessage(raw.type, raw, prefix, ctx);
  }
  return out;
}

/** Stores messages; on overload tells the SDK when to retry (analytics-node honours Retry-After on 429). */
async function store(s: Services, req: FastifyRequest, reply: FastifyReply, messages: IngestMessage[]) {
  try {
    await s.ingest.ingest(workspaceOf(req), messages);
  } catch (e) {
    if (isSiyuError(e) && (e.type === 'rate_limited' || e.type === 'unavailable')) reply.header('retry-after', '1');
    throw e;
  }
}

/** The Fastify plugin with the Segment routes. */
export function ingestRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    s.ingest.setErrorLogger((err, msg) => root.log.error({ err }, msg));

    // Browser SDKs send beacons as text/plain to avoid CORS preflights: parse both as JSON, remembering the size.
    const parseJson = root.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser(['application/json', 'text/plain']);
    app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'string' }, (req, body, done) => {
      (req as SizedRequest)[BODY_BYTES] = Buffer.byteLength(body as string);
      (req as SizedRequest)[BODY_ESCAPES] = RISKY_JSON_ESCAPE.test(body as string);
      parseJson(req, body as string, done);
    });

    // Segment SDKs may gzip bodies; the route body limits then apply to the decompressed bytes (no zip bombs).
    app.addHook('preParsing', async (req, _reply, payload) => {
      const enc = req.headers['content-encoding']?.trim().toLowerCase();
      if (!enc || enc === 'identity') return payload;
      if (enc !== 'gzip' && enc !== 'x-gzip') {
        throw new SiyuError('invalid_data', 'ingest.unsupported_encoding', `Content-Encoding ${enc} is not supported; send gzip or nothing`, { field: 'content-encoding' });
      }
      const gunzip = createGunzip();
      const body = new PassThrough() as PassThrough & { receivedEncodedLength?: number };
      let encoded = 0;
      payload.on('data', (chunk: Buffer) => {
        encoded += chunk.length;
        body.receivedEncodedLength = encoded; // lets Fastify check Content-Length against the compressed bytes
      });
      gunzip.on('error', (e) => body.destroy(new SiyuError('invalid_data', 'ingest.invalid_gzip', `The body is not valid gzip: ${e.message}`, { field: 'body' })));
      body.on('error', () => undefined); // Fastify may have stopped listening (limit hit) before a late error
      // Fastify refuses the body once it passes the limit; stop inflating the rest instead of burning CPU on it.
      const limit = req.routeOptions.bodyLimit ?? MAX_BATCH_BYTES;
      let inflated = 0;
      gunzip.on('data', (chunk: Buffer) => {
        inflated += chunk.length;
        if (inflated > limit + 64 * 1024) {
          payload.unpipe(gunzip);
          payload.resume();
          gunzip.destroy();
        }
      });
      payload.pipe(gunzip).pipe(body);
      return body;
    });

    const single = (type: MessageType) =>
      app.post(
        `/v1/${type}`,
        {
          bodyLimit: MAX_MESSAGE_BYTES,
          config: { auth: 'write' },
          validatorCompiler: documentOnly,
          schema: {
            tags: ['ingest'],
            summary: `Segment ${type} call`,
            security: [{ writeKey: [] }],
            body: DOC_SCHEMAS[type],
            response: { 200: SuccessSchema },
          },
        },
        async (req, reply) => {
          let message: IngestMessage;
          try {
            requireObjectBody(req.body);
            // The body limit already bounds the whole message to 32 KB.
            message = normaliseMessage(type, req.body, '', requestContext(req, false));
          } catch (e) {
            s.ingest.countRejected(type, 1);
            throw e;
          }
          await store(s, req, reply, [message]);
          return { success: true as const };
        },
      );
    for (const type of MESSAGE_TYPES) single(type);

    const batch = (path: string, summary: string) =>
      app.post(
        path,
        {
          bodyLimit: MAX_BATCH_BYTES,
          config: { auth: 'write' },
          validatorCompiler: documentOnly,
          schema: { tags: ['ingest'], summary, security: [{ writeKey: [] }], body: BatchDocSchema, response: { 200: SuccessSchema } },
        },
        async (req, reply) => {
          const bytes = (req as SizedRequest)[BODY_BYTES];
          let messages: IngestMessage[];
          try {
            // A body under 32 KB cannot hold an oversize message: skip serialising each one to measure it.
            messages = parseBatch(req.body, requestContext(req, bytes === undefined || bytes > MAX_MESSAGE_BYTES));
          } catch (e) {
            const n = plainObject(req.body) && Array.isArray(req.body.batch) ? req.body.batch.length : 1;
            s.ingest.countRejected('batch', n);
            throw e;
          }
          await store(s, req, reply, messages);
          return { success: true as const };
        },
      );
    batch('/v1/batch', 'Segment batch: up to 500 KB of messages, stored all or nothing');
    batch('/v1/import', 'Segment import (same as batch)');
  };
}

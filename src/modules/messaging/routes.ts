// HTTP routes of messaging: /api/messaging/channels (CRUD, test), one-off sends, the send ledger, member messages,
// and /api/messaging/receipts/:channelId and /api/messaging/inbound/:channelId (members' replies) — authenticated by
// the channel's HMAC signature instead of an admin key.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { SiyuError } from '../../core/errors.ts';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import { ChannelCreate, ChannelParam, ChannelPut, ChannelTestBody, MemberMessagesQuery, MemberParam, ReceiptBody, ReceiptParam, SendBody, SendParam, SendsQuery, type ReceiptEvent } from './schema.ts';
import { SIGNATURE_HEADER, verifySignature } from './signature.ts';
import { InboundRequest, type InboundMessage } from './inbound.ts';

/** Largest receipts request (10,000 events). */
const RECEIPT_BODY_LIMIT = 8 * 1024 * 1024;

export function messagingRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['messaging'];

    app.get('/api/messaging/channels', { schema: { tags, summary: 'Messaging channels (secrets shown as "***")' } }, async (req) => ({
      data: await s.messaging.listChannels(workspaceOf(req)),
    }));

    app.post('/api/messaging/channels', { schema: { tags, summary: 'Create a messaging channel (webhook, email, sms, app_push, …)', body: ChannelCreate } }, async (req, reply) =>
      reply.status(201).send(await s.messaging.createChannel(workspaceOf(req), req.body)),
    );

    app.get('/api/messaging/channels/:ref', { schema: { tags, summary: 'A messaging channel by id or name', params: ChannelParam } }, async (req) =>
      s.messaging.getChannel(workspaceOf(req), req.params.ref),
    );

    app.put(
      '/api/messaging/channels/:ref',
      { schema: { tags, summary: 'Create the channel named ref, or replace its settings (secrets sent as "***" or left out are kept)', params: ChannelParam, body: ChannelPut } },
      async (req, reply) => {
        const { channel, created } = await s.messaging.upsertChannel(workspaceOf(req), req.params.ref, req.body);
        return reply.status(created ? 201 : 200).send(channel);
      },
    );

    app.delete('/api/messaging/channels/:ref', { schema: { tags, summary: 'Delete a messaging channel (its sends stay)', params: ChannelParam } }, async (req, reply) => {
      await s.messaging.deleteChannel(workspaceOf(req), req.params.ref);
      return reply.status(204).send();
    });

    app.post(
      '/api/messaging/channels/:ref/test',
      { schema: { tags, summary: 'Check a channel: signed ping (webhook), SMTP login (email), or a test message to `to`', params: ChannelParam, body: ChannelTestBody.optional() } },
      async (req) => s.messaging.testChannel(workspaceOf(req), req.params.ref, req.body?.to),
    );

    app.post('/api/messaging/send', { schema: { tags, summary: 'Send one message to one member (at most once per source_key and member)', body: SendBody } }, async (req) =>
      s.messaging.sendOne(workspaceOf(req), req.body),
    );

    app.get('/api/messaging/sends', { schema: { tags, summary: 'Message sends, newest first; filter by source_key, member, state, channel; page with next_cursor', querystring: SendsQuery } }, async (req) =>
      s.messaging.listSends(workspaceOf(req), req.query),
    );

    app.get('/api/messaging/sends/:id', { schema: { tags, summary: 'One message send with its receipts', params: SendParam } }, async (req) => s.messaging.getSend(workspaceOf(req), req.params.id));

    app.get(
      '/api/messaging/members/:ref/messages',
      { schema: { tags, summary: "A member's messages with their receipts, newest first; page with next_cursor", params: MemberParam, querystring: MemberMessagesQuery } },
      async (req) => s.messaging.memberMessages(workspaceOf(req), req.params.ref, req.query),
    );

    await app.register(receiptRoutes(s));
  };
}

const rawBodies = new WeakMap<FastifyRequest, string>();
/** The workspace of the channel whose signature a receipt request carried. */
const receiptWorkspaces = new WeakMap<FastifyRequest, string>();

/**
 * Receipts live in their own encapsulated plugin: its JSON parser keeps the raw body (the signature covers the exact
 * bytes), and the route opts out of admin-key auth (`config.auth: 'none'`) to check the channel's HMAC instead.
 */
function receiptRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const verifyChannelSignature = async (req: FastifyRequest) => {
      const { channelId } = req.params as { channelId: string };
      const target = await s.messaging.receiptTarget(channelId);
      const refuse = (why: string) => new SiyuError('unauthorized', 'messaging.receipt_signature_invalid', `Receipt refused: ${why}`, { field: SIGNATURE_HEADER });
      if (!target) throw refuse('unknown channel or bad signature');
      if (!target.secret) throw refuse('the channel has no receipt secret configured');
      const header = req.headers[SIGNATURE_HEADER];
      const check = verifySignature(target.secret, Array.isArray(header) ? header[0] : header, rawBodies.get(req) ?? '');
      if (!check.ok) throw refuse(check.reason === 'expired' ? 'signature timestamp outside the 5-minute window' : `signature ${check.reason}`);
      receiptWorkspaces.set(req, target.channel.workspace_id);
    };
    app.removeContentTypeParser('application/json'); // the app's JSON parser (with its text guard) is replaced here
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: RECEIPT_BODY_LIMIT }, (req, body, done) => {
      rawBodies.set(req, body as string);
      try {
        done(null, body === '' ? undefined : JSON.parse(body as string));
      } catch {
        done(new SiyuError('invalid_data', 'messaging.receipt_invalid_json', 'The receipt body is not valid JSON', { field: 'body' }), undefined);
      }
    });

    app.post(
      '/api/messaging/receipts/:channelId',
      {
        config: { auth: 'none' },
        bodyLimit: RECEIPT_BODY_LIMIT,
        schema: {
          tags: ['messaging'],
          summary: 'Delivery receipts from a provider: { events: [...] } or one event, signed with X-Siyu-Signature: t=<unix>,v1=<HMAC-SHA256(secret, "<t>.<body>")>',
          params: ReceiptParam,
          body: ReceiptBody,
        },
        // Verified before the body is validated: an unsigned caller learns nothing about the schema.
        preValidation: verifyChannelSignature,
      },
      async (req) => {
        const events = 'events' in req.body ? req.body.events : [req.body];
        const ws = receiptWorkspaces.get(req);
        if (!ws) throw new SiyuError('unauthorized', 'messaging.receipt_signature_invalid', 'Receipt refused: not verified', { field: SIGNATURE_HEADER });
        return s.messaging.recordReceipt(ws, req.params.channelId, events as ReceiptEvent[]);
      },
    );

    // Replies members send (an SMS provider's 上行/MO callback, a push provider's reply): stored once per id, and
    // unsubscribe keywords (退订, TD, STOP…) revoke marketing consent on the channel's type.
    app.post(
      '/api/messaging/inbound/:channelId',
      {
        config: { auth: 'none' },
        bodyLimit: RECEIPT_BODY_LIMIT,
        schema: {
          tags: ['messaging'],
          summary: 'Messages members sent (e.g. SMS replies): { messages: [{ id, from, text, time }] } or one message, signed like receipts (X-Siyu-Signature)',
          params: ReceiptParam,
          body: InboundRequest,
        },
        preValidation: verifyChannelSignature,
      },
      async (req) => {
        const body = req.body as { messages?: InboundMessage[] } & Partial<InboundMessage>;
        const messages: InboundMessage[] = body.messages ?? [body as InboundMessage];
        const ws = receiptWorkspaces.get(req);
        if (!ws) throw new SiyuError('unauthorized', 'messaging.receipt_signature_invalid', 'Receipt refused: not verified', { field: SIGNATURE_HEADER });
        return s.messaging.receiveInbound(ws, req.params.channelId, messages.map((m) => ({ ...(m.id ? { id: m.id } : {}), from: m.from, text: m.text, ...(m.time ? { at: m.time } : {}), raw: m })));
      },
    );
  };
}

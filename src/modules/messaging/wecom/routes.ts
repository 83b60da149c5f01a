// Callback endpoints of WeCom and WeChat official-account channels, authenticated by the platform's signature
// instead of an admin key (`config.auth: 'none'`), and the admin route that polls WeCom mass-send results.
//   GET|POST /api/messaging/wecom/:channelId/callback   (WeCom: 接收事件服务器 URL)
//   GET|POST /api/messaging/wechat/:channelId/callback  (official account: 服务器配置 URL; plain or safe mode)
//   POST     /api/messaging/wecom/:channelId/poll       (admin: read task results into receipts now)
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { workspaceOf } from '../../../server/auth.ts';
import type { Services } from '../../../server/services.ts';
import type { CallbackQuery, WecomService } from './service.ts';

/** Largest callback body (events are a few KB). */
const CALLBACK_BODY_LIMIT = 256 * 1024;
/**
 * WeCom and WeChat give up on an answer after 5 seconds and push the event again: answer within this time even when
 * the work (the welcome message, with its own 20-second budget) is still running; it goes on in the background.
 */
const ANSWER_WITHIN_MS = 4_000;

const Params = z.object({ channelId: z.string().min(1).max(200) }).strict();
const Query = z
  .object({
    msg_signature: z.string().max(100).optional(),
    signature: z.string().max(100).optional(),
    timestamp: z.string().max(20).optional(),
    nonce: z.string().max(100).optional(),
    echostr: z.string().max(2000).optional(),
    encrypt_type: z.string().max(20).optional(),
    openid: z.string().max(200).optional(),
  })
  .passthrough();
const PollBody = z.object({ max_age_hours: z.number().int().min(1).max(24 * 30).optional(), max_tasks: z.number().int().min(1).max(5000).optional() }).strict();

/**
 * @param wecom the service (defaults to `s.wecom`; passed explicitly in tests)
 */
export function wecomRoutes(s: Services, wecom?: WecomService): FastifyPluginAsync {
  return async (root) => {
    const svc = wecom ?? s.wecom;
    const app = root.withTypeProvider<ZodTypeProvider>();
    // Callbacks are XML (text/xml); kept as text so the handler reads the exact document. Any other type a platform
    // might label a push with is read as text too (JSON keeps its own parser for the poll route).
    const asText = (_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => done(null, String(body));
    app.addContentTypeParser(['text/xml', 'application/xml'], { parseAs: 'string', bodyLimit: CALLBACK_BODY_LIMIT }, asText);
    app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: CALLBACK_BODY_LIMIT }, asText);
    const tags = ['messaging'];

    const verify = async (req: FastifyRequest, reply: FastifyReply) => {
      const { channelId } = req.params as { channelId: string };
      const echo = await svc.verifyUrl(channelId, req.query as CallbackQuery);
      return reply.type('text/plain; charset=utf-8').send(echo);
    };
    const receive = async (req: FastifyRequest, reply: FastifyReply) => {
      const { channelId } = req.params as { channelId: string };
      const opened = await svc.open(channelId, req.query as CallbackQuery, typeof req.body === 'string' ? req.body : '');
      // Inline, not queued: the welcome message must go out within 20 s of the event.
      const work = svc.process(opened).catch((err) => {
        req.log.warn({ err, channel: channelId }, 'callback processing failed');
        return null;
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([work, new Promise((r) => (timer = setTimeout(r, ANSWER_WITHIN_MS)))]);
      clearTimeout(timer);
      return reply.type('text/plain; charset=utf-8').send('success');
    };

    for (const platform of ['wecom', 'wechat'] as const) {
      const url = `/api/messaging/${platform}/:channelId/callback`;
      const what = platform === 'wecom' ? 'WeCom' : 'WeChat official-account';
      app.get(url, { config: { auth: 'none' }, schema: { tags, summary: `${what} callback URL verification (signed echostr)`, params: Params, querystring: Query } }, verify);
      app.post(url, { config: { auth: 'none' }, bodyLimit: CALLBACK_BODY_LIMIT, schema: { tags, summary: `${what} event push (XML, signed; encrypted for WeCom and safe mode)`, params: Params, querystring: Query } }, receive);
    }

    app.post(
      '/api/messaging/wecom/:channelId/poll',
      { schema: { tags, summary: 'Read the results of WeCom mass-send tasks into delivery receipts (also the messaging.wecom_poll job)', params: Params, body: PollBody.optional() } },
      async (req) => svc.pollGroupMessages(workspaceOf(req), req.params.channelId, { maxAgeHours: req.body?.max_age_hours, maxTasks: req.body?.max_tasks }),
    );
  };
}

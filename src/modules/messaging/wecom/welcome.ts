// The welcome message of a new WeCom customer. WeCom hands over a single-use welcome_code that expires 20 seconds
// after the event, so the message is chosen (a resolver such as the scanned QR code's template, else the channel's
// `welcome` config), rendered and sent inline, within the channel's budget.
import type { TemplateService } from '../../templates/service.ts';
import type { ChannelRow } from '../channel-repo.ts';
import { wecomAdapter, type WecomConfig } from '../providers/wecom.ts';
import type { MessagingService } from '../service.ts';
import type { AdapterContext, MessagingLog, OutgoingMessage, RenderedContent } from '../types.ts';
import type { WecomContactEvent } from './events.ts';
import type { OpenedCallback, WelcomeOutcome, WelcomeResolver } from './types.ts';

export interface WelcomeDeps {
  messaging: MessagingService;
  templates?: TemplateService;
  resolvers: readonly WelcomeResolver[];
  log: MessagingLog;
  /** The channel's adapter context, for the direct send when the store cannot record one. */
  context: AdapterContext;
}

/**
 * Sends the welcome message through the send ledger; when the store cannot record it (or no member could be made),
 * directly: the welcome code is single-use, so that cannot duplicate it. Undefined: no welcome is configured.
 */
export async function sendWelcome(deps: WelcomeDeps, o: OpenedCallback, cfg: WecomConfig, e: WecomContactEvent, memberId: string | null): Promise<WelcomeOutcome | undefined> {
  const c = o.channel;
  const ws = c.workspace_id;
  const welcome = cfg.welcome;
  if (!e.welcomeCode || !c.enabled) return undefined;
  const resolved = await resolveWelcome(deps, c, e, memberId);
  if (!resolved && (!welcome || !welcome.enabled)) return undefined;
  const elapsed = () => Date.now() - o.receivedAt;
  const deadline = o.receivedAt + (welcome?.budget_ms ?? 15_000);
  const content = resolved ?? (await welcomeContent(deps, ws, cfg, memberId));
  if (!content) return { status: 'skipped', error: { code: 'welcome_content_missing', message: 'no welcome template or text could be rendered' }, elapsed_ms: elapsed(), recorded: false };
  const to = { welcome_code: e.welcomeCode, welcome_deadline: String(deadline), wecom_external_userid: e.externalUserId, wecom_sender: e.userId };
  if (memberId) {
    try {
      const report = await deps.messaging.send(ws, c.id, [{ memberId, to, content }], `wecom_welcome:${c.id}:${e.welcomeCode}`);
      const r = report.results[0];
      return {
        status: r.status === 'sent' ? 'sent' : r.status === 'failed' ? 'failed' : 'skipped',
        send_id: r.send_id,
        ...(r.error ? { error: { code: r.error.code ?? null, message: r.error.message ?? null } } : {}),
        elapsed_ms: elapsed(),
        recorded: true,
      };
    } catch (err) {
      deps.log.warn({ err, channel: c.id }, 'welcome message not recorded; sending it directly');
    }
  }
  const msg: OutgoingMessage = { sendId: `welcome_${e.welcomeCode}`.slice(0, 200), memberId: memberId ?? '', to, content };
  const [r] = await wecomAdapter.send(cfg, [msg], deps.context);
  return { status: r.status, ...(r.error ? { error: { code: r.error.code, message: r.error.message } } : {}), elapsed_ms: elapsed(), recorded: false };
}

/** The first resolver's content (in the order they were added); a failing resolver is logged and skipped. */
async function resolveWelcome(deps: WelcomeDeps, channel: ChannelRow, event: WecomContactEvent, memberId: string | null): Promise<RenderedContent | null> {
  for (const r of deps.resolvers) {
    try {
      const content = await r({ workspaceId: channel.workspace_id, channel, event, memberId });
      if (content) return content;
    } catch (err) {
      deps.log.warn({ err, channel: channel.id }, 'welcome resolver failed; using the channel welcome');
    }
  }
  return null;
}

/** The channel's welcome: its template rendered for the member, else its plain text and attachments. */
async function welcomeContent(deps: WelcomeDeps, ws: string, cfg: WecomConfig, memberId: string | null): Promise<RenderedContent | null> {
  const w = cfg.welcome!;
  if (w.template && memberId && deps.templates) {
    try {
      const compiled = await deps.templates.compile(ws, w.template, { channel: 'wecom' });
      const rendered = (await deps.templates.renderMany(ws, compiled, [memberId])).get(memberId);
      if (rendered) return rendered;
    } catch (err) {
      deps.log.warn({ err, template: w.template }, 'welcome template not rendered; using the plain text');
    }
  }
  if (!w.text && !w.attachments?.length) return null;
  return { channel: 'wecom', ...(w.text ? { text: w.text } : {}), ...(w.attachments?.length ? { attachments: w.attachments } : {}) };
}

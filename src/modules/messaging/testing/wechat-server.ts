// A local server that speaks the WeCom (qyapi) and WeChat (api.weixin.qq.com) contracts Siyu uses, for tests and
// demos: access tokens (gettoken, token, stable_token) that expire and can be revoked, customer-contact mass-send
// tasks with fail_list, task/result polling with cursors, welcome codes valid 20 s and usable once, official-account
// template messages (followers only, client_msg_id dedupe, 64-bit msgids) and mini-program subscribe messages
// (one send per subscription), and 微信客服 messages read with kf/sync_msg (callback token, cursor, has_more).
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WechatRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  json: any;
  /** The raw body text. */
  body: string;
}

/** An answer that replaces the normal one (after the token check): e.g. `{ errcode: 45009, errmsg: '…' }`. */
export type WechatReply = { status?: number; body: unknown } | undefined;

export interface WechatServerOptions {
  corpId?: string;
  corpSecret?: string;
  /** WeChat apps (official accounts, mini programs): appid → secret. */
  apps?: Record<string, string>;
  tokenTtlSec?: number;
  /** External userids that are no one's contact: add_msg_template puts them in fail_list. */
  notContacts?: Iterable<string>;
  /** External userids that already got a mass message this period: status 3 once the task is sent. */
  alreadyReceived?: Iterable<string>;
  /** Official-account followers (openids); others get 43004. */
  followers?: Iterable<string>;
  /** Mini-program subscriptions left per openid; none → 43101. */
  subscriptions?: Record<string, number>;
  /** Scripted answers for API calls (not token calls), after the token was accepted. */
  reply?: (r: WechatRequest, n: number) => WechatReply;
  /** Milliseconds to wait before answering (e.g. to test deadlines). */
  delayMs?: (r: WechatRequest) => number;
  /**
   * More API routes (`'POST /cgi-bin/externalcontact/add_contact_way'` → handler), answered after the token check
   * like the built-in ones: other modules' contracts (e.g. src/modules/staff/testing/wecom-crm-contract.ts).
   */
  handlers?: Record<string, (r: WechatRequest) => { status?: number; body: unknown }>;
}

export interface MassTaskRecord {
  msgid: string;
  chat_type: 'single' | 'group';
  sender: string | null;
  targets: string[];
  fail_list: string[];
  body: any;
  /** Senders who sent their share (confirm()), with the time. */
  sent: Map<string, number>;
}

export interface WechatServer {
  url: string;
  requests: WechatRequest[];
  /** Token fetches answered, by endpoint (gettoken, token, stable_token). */
  tokenFetches: Record<string, number>;
  tasks: Map<string, MassTaskRecord>;
  welcomes: { code: string; body: any; at: number }[];
  templateSends: any[];
  subscribeSends: any[];
  /** 微信客服 messages kf/sync_msg serves, oldest first. */
  kfMessages: KfSyncMessage[];
  /**
   * A customer (`origin` 3, default) writes to the 微信客服 account `openKfId`: the message joins the sync list, and the
   * answer is the callback Token a `kf_msg_or_event` push carries (valid 10 minutes), to put in the pushed XML.
   */
  kfWrite(openKfId: string, externalUserId: string, message: { text?: string; msgtype?: string; origin?: number }): string;
  /** Invalidates every token issued so far; API calls with them answer `code` (42001 expired by default). */
  revokeTokens(code?: number): void;
  /** The employee `sender` (default: every sender of the task) sends their share of a task. */
  confirm(msgid: string, sender?: string): void;
  /** A new welcome code, valid 20 seconds from now (or `validMs`). */
  issueWelcomeCode(validMs?: number): string;
  close(): Promise<void>;
}

export interface KfSyncMessage {
  msgid: string;
  open_kfid: string;
  external_userid: string;
  send_time: number;
  origin: number;
  msgtype: string;
  text?: { content: string };
}

const AUTO_SENDER = 'auto_sender';

export async function startWechatServer(opts: WechatServerOptions = {}): Promise<WechatServer> {
  const corpId = opts.corpId ?? 'ww_test_corp';
  const corpSecret = opts.corpSecret ?? 'corp_secret_test';
  const apps = opts.apps ?? {};
  const ttl = opts.tokenTtlSec ?? 7200;
  const notContacts = new Set(opts.notContacts ?? []);
  const alreadyReceived = new Set(opts.alreadyReceived ?? []);
  const followers = new Set(opts.followers ?? []);
  const subscriptions = { ...(opts.subscriptions ?? {}) };
  const tokens = new Map<string, { owner: string; expiresAt: number; revoked?: number }>();
  const welcomeCodes = new Map<string, { validUntil: number; used: boolean }>();
  const clientMsgIds = new Map<string, string>();
  const kfTokens = new Map<string, number>();
  let n = 0;
  let apiCalls = 0;
  let msgSeq = 0;

  const s = {
    requests: [] as WechatRequest[],
    tokenFetches: { gettoken: 0, token: 0, stable_token: 0 },
    tasks: new Map<string, MassTaskRecord>(),
    welcomes: [] as WechatServer['welcomes'],
    templateSends: [] as any[],
    subscribeSends: [] as any[],
    kfMessages: [] as KfSyncMessage[],
    kfWrite(openKfId: string, externalUserId: string, m: { text?: string; msgtype?: string; origin?: number }) {
      const msgtype = m.msgtype ?? 'text';
      s.kfMessages.push({
        msgid: `kfmsg_${++n}`,
        open_kfid: openKfId,
        external_userid: externalUserId,
        send_time: Math.floor(Date.now() / 1000),
        origin: m.origin ?? 3,
        msgtype,
        ...(msgtype === 'text' ? { text: { content: m.text ?? '' } } : {}),
      });
      const token = `ENC${++n}${Math.random().toString(36).slice(2, 12)}`;
      kfTokens.set(token, Date.now() + 10 * 60_000);
      return token;
    },
    revokeTokens(code = 42001) {
      for (const t of tokens.values()) t.revoked = code;
    },
    confirm(msgid: string, sender?: string) {
      const t = s.tasks.get(msgid);
      if (!t) throw new Error(`no task ${msgid}`);
      t.sent.set(sender ?? t.sender ?? AUTO_SENDER, Math.floor(Date.now() / 1000));
    },
    issueWelcomeCode(validMs = 20_000) {
      const code = `WELCOME_${++n}_${Math.random().toString(36).slice(2, 10)}`;
      welcomeCodes.set(code, { validUntil: Date.now() + validMs, used: false });
      return code;
    },
  } as Omit<WechatServer, 'url' | 'close'> & { tokenFetches: Record<string, number> };

  const issue = (owner: string) => {
    const token = `tok_${owner.replace(/\W/g, '')}_${++n}_${Math.random().toString(36).slice(2, 8)}`;
    tokens.set(token, { owner, expiresAt: Date.now() + ttl * 1000 });
    return token;
  };
  const validToken = (owner: string) => {
    for (const [token, t] of tokens) if (t.owner === owner && !t.revoked && t.expiresAt > Date.now()) return { token, t };
    return null;
  };

  /** The token check of every API call: 40014 unknown, 42001 expired (or the revocation code). */
  const checkToken = (query: Record<string, string>, owners: (o: string) => boolean) => {
    const t = query.access_token ? tokens.get(query.access_token) : undefined;
    if (!t || !owners(t.owner)) return { errcode: 40014, errmsg: 'invalid access_token' };
    if (t.revoked) return { errcode: t.revoked, errmsg: t.revoked === 42001 ? 'access_token expired' : 'invalid credential, access_token is invalid or not latest' };
    if (t.expiresAt <= Date.now()) return { errcode: 42001, errmsg: 'access_token expired' };
    return null;
  };
  const isWecom = (o: string) => o === `wecom:${corpId}`;
  const isApp = (o: string) => o.startsWith('app:');

  const page = <T>(list: T[], body: any) => {
    const limit = Number(body?.limit) > 0 && Number(body.limit) <= 1000 ? Number(body.limit) : 500;
    const start = Number(body?.cursor) || 0;
    const slice = list.slice(start, start + limit);
    return { slice, next_cursor: start + limit < list.length ? String(start + limit) : '' };
  };

  const handlers: Record<string, (r: WechatRequest) => { status?: number; body: unknown; raw?: string }> = {
    'GET /cgi-bin/gettoken': (r) => {
      s.tokenFetches.gettoken++;
      if (r.query.corpid !== corpId) return { body: { errcode: 40013, errmsg: 'invalid corpid' } };
      if (r.query.corpsecret !== corpSecret) return { body: { errcode: 40001, errmsg: 'invalid credential' } };
      return { body: { errcode: 0, errmsg: 'ok', access_token: issue(`wecom:${corpId}`), expires_in: ttl } };
    },
    'GET /cgi-bin/token': (r) => {
      s.tokenFetches.token++;
      if (r.query.grant_type !== 'client_credential') return { body: { errcode: 40002, errmsg: 'invalid grant_type' } };
      if (!apps[r.query.appid]) return { body: { errcode: 40013, errmsg: 'invalid appid' } };
      if (apps[r.query.appid] !== r.query.secret) return { body: { errcode: 40125, errmsg: 'invalid appsecret' } };
      return { body: { access_token: issue(`app:${r.query.appid}`), expires_in: ttl } };
    },
    'POST /cgi-bin/stable_token': (r) => {
      s.tokenFetches.stable_token++;
      const b = r.json ?? {};
      if (b.grant_type !== 'client_credential') return { body: { errcode: 40002, errmsg: 'invalid grant_type' } };
      if (!apps[b.appid]) return { body: { errcode: 40013, errmsg: 'invalid appid' } };
      if (apps[b.appid] !== b.secret) return { body: { errcode: 40125, errmsg: 'invalid appsecret' } };
      // Normal mode: the current token while it is valid; force_refresh (or none valid): a new one.
      const current = b.force_refresh ? null : validToken(`app:${b.appid}`);
      if (current) return { body: { access_token: current.token, expires_in: Math.floor((current.t.expiresAt - Date.now()) / 1000) } };
      return { body: { access_token: issue(`app:${b.appid}`), expires_in: ttl } };
    },
    'POST /cgi-bin/externalcontact/add_msg_template': (r) => {
      const b = r.json ?? {};
      const chatType = b.chat_type ?? 'single';
      if (chatType !== 'single' && chatType !== 'group') return { body: { errcode: 40058, errmsg: 'invalid chat_type' } };
      if (!b.text?.content && !(Array.isArray(b.attachments) && b.attachments.length)) return { body: { errcode: 41048, errmsg: 'text and attachments are both empty' } };
      if (Array.isArray(b.attachments) && b.attachments.length > 9) return { body: { errcode: 40058, errmsg: 'too many attachments' } };
      let targets: string[];
      if (chatType === 'single') {
        targets = Array.isArray(b.external_userid) ? b.external_userid.map(String) : [];
        if (targets.length === 0 && !b.sender) return { body: { errcode: 40058, errmsg: 'external_userid and sender are both empty' } };
        if (targets.length > 10_000) return { body: { errcode: 40058, errmsg: 'external_userid exceeds 10000' } };
      } else {
        if (!b.sender) return { body: { errcode: 40058, errmsg: 'sender is required for group' } };
        targets = Array.isArray(b.chat_id_list) ? b.chat_id_list.map(String) : [];
        if (targets.length > 2_000) return { body: { errcode: 40058, errmsg: 'chat_id_list exceeds 2000' } };
      }
      const msgid = `msgGCAAA${String(++msgSeq).padStart(6, '0')}`;
      const fail_list = targets.filter((t) => notContacts.has(t));
      s.tasks.set(msgid, { msgid, chat_type: chatType, sender: b.sender ?? null, targets, fail_list, body: b, sent: new Map() });
      return { body: { errcode: 0, errmsg: 'ok', fail_list, msgid } };
    },
    'POST /cgi-bin/externalcontact/get_groupmsg_task': (r) => {
      const t = s.tasks.get(r.json?.msgid);
      if (!t) return { body: { errcode: 41063, errmsg: 'invalid msgid' } };
      const senders = [t.sender ?? AUTO_SENDER];
      const list = senders.map((u) => (t.sent.has(u) ? { userid: u, status: 2, send_time: t.sent.get(u) } : { userid: u, status: 0 }));
      const p = page(list, r.json);
      return { body: { errcode: 0, errmsg: 'ok', next_cursor: p.next_cursor, task_list: p.slice } };
    },
    'POST /cgi-bin/externalcontact/get_groupmsg_send_result': (r) => {
      const t = s.tasks.get(r.json?.msgid);
      if (!t) return { body: { errcode: 41063, errmsg: 'invalid msgid' } };
      const userid = String(r.json?.userid ?? '');
      if (userid !== (t.sender ?? AUTO_SENDER)) return { body: { errcode: 0, errmsg: 'ok', next_cursor: '', send_list: [] } };
      const sentAt = t.sent.get(userid);
      const rows: any[] = [];
      for (const target of t.targets) {
        if (t.fail_list.includes(target)) continue;
        const key = t.chat_type === 'single' ? { external_userid: target } : { chat_id: target };
        if (sentAt === undefined) {
          // Group sends report only what was sent.
          if (t.chat_type === 'single') rows.push({ ...key, userid, status: 0 });
        } else if (alreadyReceived.has(target)) rows.push({ ...key, userid, status: 3 });
        else rows.push({ ...key, userid, status: 1, send_time: sentAt });
      }
      const p = page(rows, r.json);
      return { body: { errcode: 0, errmsg: 'ok', next_cursor: p.next_cursor, send_list: p.slice } };
    },
    'POST /cgi-bin/externalcontact/send_welcome_msg': (r) => {
      const b = r.json ?? {};
      const c = welcomeCodes.get(b.welcome_code);
      if (!c) return { body: { errcode: 40132, errmsg: 'invalid welcome_code' } };
      if (c.used || c.validUntil < Date.now()) return { body: { errcode: 41051, errmsg: 'externaluser has started chatting' } };
      if (!b.text?.content && !(Array.isArray(b.attachments) && b.attachments.length)) return { body: { errcode: 41048, errmsg: 'text and attachments are both empty' } };
      c.used = true;
      s.welcomes.push({ code: b.welcome_code, body: b, at: Date.now() });
      return { body: { errcode: 0, errmsg: 'ok' } };
    },
    'POST /cgi-bin/message/template/send': (r) => {
      const b = r.json ?? {};
      if (!b.template_id) return { body: { errcode: 40037, errmsg: 'invalid template_id' } };
      if (!followers.has(b.touser)) return { body: { errcode: 43004, errmsg: 'require subscribe' } };
      const dedupe = b.client_msg_id ? `${b.touser}\u0000${b.client_msg_id}` : null;
      const earlier = dedupe ? clientMsgIds.get(dedupe) : undefined;
      // msgids are 64-bit: written as raw digits, as WeChat does.
      if (earlier) return { body: null, raw: `{"errcode":0,"errmsg":"ok","msgid":${earlier}}` };
      const msgid = (3487542469355618313n + BigInt(++msgSeq)).toString();
      if (dedupe) clientMsgIds.set(dedupe, msgid);
      s.templateSends.push({ ...b, msgid });
      return { body: null, raw: `{"errcode":0,"errmsg":"ok","msgid":${msgid}}` };
    },
    'POST /cgi-bin/kf/sync_msg': (r) => {
      const b = r.json ?? {};
      // The callback token is optional in the contract (without it the call is strictly rate-limited); a given one
      // must be valid.
      if (b.token !== undefined && !((kfTokens.get(String(b.token)) ?? 0) > Date.now())) return { body: { errcode: 95007, errmsg: 'invalid msg token' } };
      if (b.cursor !== undefined && !/^\d+$/.test(String(b.cursor))) return { body: { errcode: 95000, errmsg: 'invalid cursor' } };
      const limit = Number(b.limit) > 0 && Number(b.limit) <= 1000 ? Number(b.limit) : 1000;
      const start = Number(b.cursor ?? 0);
      const list: KfSyncMessage[] = [];
      let i = start;
      for (; i < s.kfMessages.length && list.length < limit; i++) if (!b.open_kfid || s.kfMessages[i].open_kfid === b.open_kfid) list.push(s.kfMessages[i]);
      return { body: { errcode: 0, errmsg: 'ok', next_cursor: String(i), has_more: i < s.kfMessages.length ? 1 : 0, msg_list: list } };
    },
    'POST /cgi-bin/message/subscribe/send': (r) => {
      const b = r.json ?? {};
      if (!b.template_id) return { body: { errcode: 40037, errmsg: 'invalid template_id' } };
      if (b.miniprogram_state && !['developer', 'trial', 'formal'].includes(b.miniprogram_state)) return { body: { errcode: 47003, errmsg: 'argument invalid! miniprogram_state' } };
      if (!(subscriptions[b.touser] > 0)) return { body: { errcode: 43101, errmsg: 'user refuse to accept the msg' } };
      subscriptions[b.touser]--;
      const msgid = (1988810812324364291n + BigInt(++msgSeq)).toString();
      s.subscribeSends.push({ ...b, msgid });
      return { body: null, raw: `{"errcode":0,"errmsg":"ok","msgid":${msgid}}` };
    },
  };
  const tokenRoutes = new Set(['GET /cgi-bin/gettoken', 'GET /cgi-bin/token', 'POST /cgi-bin/stable_token']);

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const u = new URL(req.url ?? '/', 'http://localhost');
      const body = Buffer.concat(chunks).toString('utf8');
      let json: any;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const r: WechatRequest = { method: req.method ?? 'GET', path: u.pathname, query: Object.fromEntries(u.searchParams), json, body };
      s.requests.push(r);
      const delay = opts.delayMs?.(r) ?? 0;
      if (delay > 0) await new Promise((done) => setTimeout(done, delay));
      if (res.destroyed) return;
      const route = `${r.method} ${r.path}`;
      const handler = handlers[route] ?? opts.handlers?.[route];
      if (!handler) return send(res, 404, { errcode: 404, errmsg: `no route ${route}` });
      if (!tokenRoutes.has(route)) {
        const bad = checkToken(r.query, r.path.startsWith('/cgi-bin/externalcontact/') || r.path.startsWith('/cgi-bin/kf/') ? isWecom : isApp);
        if (bad) return send(res, 200, bad);
        const scripted = opts.reply?.(r, ++apiCalls);
        if (scripted) return send(res, scripted.status ?? 200, scripted.body);
      }
      const out = handler(r);
      if (out.raw !== undefined) {
        res.writeHead(out.status ?? 200, { 'content-type': 'application/json' });
        return res.end(out.raw);
      }
      send(res, out.status ?? 200, out.body);
    });
  });
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(s, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  }) as WechatServer;
}

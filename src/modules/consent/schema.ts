// Consent and guard-rail vocabulary and request validation (zod): channels, purposes, statements, the guard config.
import { z } from 'zod';

/** Messaging channel types consent is kept for (the messaging module's list), plus `all` for every channel. */
export const CHANNEL_TYPES = ['sms', 'email', 'wecom', 'wechat_oa', 'miniprogram', 'app_push', 'webhook'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];
export const CONSENT_CHANNELS = [...CHANNEL_TYPES, 'all'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

/** Why a message is sent: marketing needs the member's consent (PIPL); service messages (order shipped) rarely do. */
export const PURPOSES = ['marketing', 'service'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const STATUSES = ['granted', 'revoked'] as const;
export type ConsentStatus = (typeof STATUSES)[number];

/** Where a consent statement came from. */
export const SOURCES = ['api', 'import', 'unsubscribe_link', 'keyword', 'ingest', 'operator', 'receipt'] as const;
export type ConsentSource = (typeof SOURCES)[number];

/** What a member's channel needs when no statement exists: an explicit grant (`opt_in`) or none (`opt_out`). */
export const POLICIES = ['opt_in', 'opt_out'] as const;
export type Policy = (typeof POLICIES)[number];

const channel = z.enum(CONSENT_CHANNELS);
const purpose = z.enum(PURPOSES);
const iso = z.string().max(40).refine((s) => Number.isFinite(Date.parse(s)), 'expected an ISO-8601 time');
const text = (max: number) => z.string().trim().max(max);

/** `granted`/`revoked`, or a boolean (true = granted) for clients that think in checkboxes. */
const statusInput = z.union([z.enum(STATUSES), z.boolean()]).transform((v): ConsentStatus => (v === true ? 'granted' : v === false ? 'revoked' : v));

/** One consent statement as the API takes it. */
export const ConsentInput = z
  .object({
    channel,
    purpose: purpose.default('marketing'),
    status: statusInput,
    source: z.enum(SOURCES).optional(),
    source_detail: text(500).optional(),
    operator: text(200).optional(),
    ip: text(64).optional(),
    user_agent: text(500).optional(),
    /** When the member said so (default: now). An older statement never overrides a newer one. */
    at: iso.optional(),
  })
  .strict();
export type ConsentInput = z.infer<typeof ConsentInput>;

/** PUT /api/consent/members/:ref — one statement or several. */
export const ConsentPut = z.union([z.object({ consents: z.array(ConsentInput).min(1).max(100) }).strict(), ConsentInput]);

/** Most rows one import request takes (the CLI sends files in chunks of this size). */
export const IMPORT_MAX_ROWS = 10_000;

/** One import row: a statement plus the member ref it belongs to. Checked row by row so errors name `rows[i]`. */
export const ImportRow = ConsentInput.extend({ member: z.string().trim().min(1).max(300) }).strict();
export type ImportRow = z.infer<typeof ImportRow>;

export const ImportBody = z
  .object({
    rows: z.array(z.record(z.string(), z.unknown())).min(1).max(IMPORT_MAX_ROWS),
    /** Source of rows that name none (default `import`). */
    source: z.enum(SOURCES).optional(),
  })
  .strict();

export const RefParam = z.object({ ref: z.string().min(1).max(300) }).strict();
/** The unsubscribe pages' query: the signed token (a stray `?` parameter from a mail client is tolerated). */
export const TokenQuery = z.looseObject({ t: z.string().max(600).default('') });

export const HistoryQuery = z
  .object({
    since: iso.optional(),
    until: iso.optional(),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .strict();

export const ExportQuery = z
  .object({
    since: iso.optional(),
    until: iso.optional(),
    member: z.string().min(1).max(300).optional(),
  })
  .strict();

/** POST /api/consent/inbound — a message a member sent us (SMS reply, WeCom chat, official-account message). */
export const InboundBody = z
  .object({
    channel: z.enum(CHANNEL_TYPES),
    /** phone (sms), email, external_userid (wecom) or openid (wechat_oa / miniprogram: `APPID:OPENID` or the bare openid). */
    from: z.string().trim().min(1).max(300),
    text: z.string().max(2000),
    app_id: text(100).optional(),
    at: iso.optional(),
  })
  .strict();
export type InboundBody = z.infer<typeof InboundBody>;

export const LinkQuery = z
  .object({ member: z.string().min(1).max(300), channel: channel.default('all'), purpose: purpose.default('marketing') })
  .strict();

// ---- guard config -----------------------------------------------------------------------------------------------

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24h)');

/** A frequency cap: at most `limit` messages of `purposes` per member per local `period` on `scope`. */
export const CapRule = z
  .object({
    /** `all` (every channel together), a channel type (`wecom`), or one messaging channel by id (`mch_…`). */
    scope: z.string().regex(/^(all|sms|email|wecom|wechat_oa|miniprogram|app_push|webhook|mch_[0-9A-Za-z]+)$/, 'expected all, a channel type or a messaging channel id (mch_…)'),
    period: z.enum(['day', 'week', 'month']),
    limit: z.number().int().min(1).max(1000),
    purposes: z.array(purpose).min(1).default(['marketing']),
  })
  .strict();
export type CapRule = z.infer<typeof CapRule>;

const policyMap = z.object(Object.fromEntries(CHANNEL_TYPES.map((c) => [c, z.enum(POLICIES).optional()])) as Record<ChannelType, z.ZodOptional<z.ZodEnum<{ opt_in: 'opt_in'; opt_out: 'opt_out' }>>>).strict();

export const QuietHours = z
  .object({
    /** Local start (inclusive) and end (exclusive) in the member's time zone; start > end spans midnight. */
    start: hhmm,
    end: hhmm,
    purposes: z.array(purpose).min(1).default(['marketing']),
  })
  .strict()
  .refine((q) => q.start !== q.end, { message: 'start and end must differ (use null for no quiet hours)', path: ['end'] });

/** Everything the guard rails read, per workspace; PUT replaces the top-level keys it names. */
export const GuardConfigPatch = z
  .object({
    default_policy: z.object({ marketing: policyMap.optional(), service: policyMap.optional() }).strict().optional(),
    caps: z.array(CapRule).max(50).optional(),
    quiet_hours: QuietHours.nullable().optional(),
    /** Members admitted under a dedupe key are refused other sources with the same key for this long. */
    dedupe_window_hours: z.number().min(0).max(24 * 90).optional(),
    keywords: z
      .object({
        /** The whole reply (trimmed, punctuation and case ignored) equals one of these: `T`, `TD`, `STOP`. */
        exact: z.array(text(50).min(1)).max(100),
        /** The reply contains one of these anywhere: `退订`. */
        contains: z.array(text(50).min(1)).max(100),
      })
      .strict()
      .optional(),
    unsubscribe: z
      .object({
        /** Public origin unsubscribe links point at (e.g. https://crm.brand.cn); default the server's own address. */
        base_url: z.string().url().max(300).nullable().optional(),
        /** Purpose a link or keyword revokes. */
        purpose: purpose.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type GuardConfigPatch = z.infer<typeof GuardConfigPatch>;

export interface GuardConfig {
  default_policy: Record<Purpose, Record<ChannelType, Policy>>;
  caps: CapRule[];
  quiet_hours: { start: string; end: string; purposes: Purpose[] } | null;
  dedupe_window_hours: number;
  keywords: { exact: string[]; contains: string[] };
  unsubscribe: { base_url: string | null; purpose: Purpose };
}

/**
 * Defaults (see docs/guard-rails.md): marketing by SMS, email and app push needs an opt-in (PIPL asks for separate
 * consent to marketing; SMS rules in China too); WeCom, official-account and mini-program marketing is allowed until
 * revoked (the member added the staff, followed or subscribed); service messages are allowed until revoked.
 */
export const DEFAULT_GUARD_CONFIG: GuardConfig = {
  default_policy: {
    marketing: { sms: 'opt_in', email: 'opt_in', app_push: 'opt_in', wecom: 'opt_out', wechat_oa: 'opt_out', miniprogram: 'opt_out', webhook: 'opt_out' },
    service: { sms: 'opt_out', email: 'opt_out', app_push: 'opt_out', wecom: 'opt_out', wechat_oa: 'opt_out', miniprogram: 'opt_out', webhook: 'opt_out' },
  },
  caps: [
    { scope: 'all', period: 'day', limit: 2, purposes: ['marketing'] },
    { scope: 'all', period: 'week', limit: 6, purposes: ['marketing'] },
    // WeCom itself lets a customer receive one mass message per day from a company.
    { scope: 'wecom', period: 'day', limit: 1, purposes: ['marketing', 'service'] },
  ],
  quiet_hours: { start: '21:00', end: '09:00', purposes: ['marketing'] },
  dedupe_window_hours: 24,
  keywords: { exact: ['退订', 'TD', 'T', 'N', 'UNSUBSCRIBE', 'STOP'], contains: ['退订'] },
  unsubscribe: { base_url: null, purpose: 'marketing' },
};

/** The stored patch applied over the defaults (default_policy merged per purpose and channel). */
export function resolveGuardConfig(stored: GuardConfigPatch | null | undefined): GuardConfig {
  const d = DEFAULT_GUARD_CONFIG;
  const s = stored ?? {};
  return {
    default_policy: {
      marketing: { ...d.default_policy.marketing, ...defined(s.default_policy?.marketing) },
      service: { ...d.default_policy.service, ...defined(s.default_policy?.service) },
    },
    caps: s.caps ?? d.caps,
    quiet_hours: s.quiet_hours === undefined ? d.quiet_hours : s.quiet_hours,
    dedupe_window_hours: s.dedupe_window_hours ?? d.dedupe_window_hours,
    keywords: s.keywords ?? d.keywords,
    unsubscribe: { base_url: s.unsubscribe?.base_url ?? d.unsubscribe.base_url, purpose: s.unsubscribe?.purpose ?? d.unsubscribe.purpose },
  };
}

/** Merges a PUT body into the stored patch: named top-level keys replace, default_policy merges per purpose/channel. */
export function mergeGuardPatch(stored: GuardConfigPatch | null | undefined, put: GuardConfigPatch): GuardConfigPatch {
  const s = stored ?? {};
  const out: GuardConfigPatch = { ...s, ...put };
  if (put.default_policy) {
    out.default_policy = {
      marketing: { ...s.default_policy?.marketing, ...defined(put.default_policy.marketing) },
      service: { ...s.default_policy?.service, ...defined(put.default_policy.service) },
    };
  }
  if (put.unsubscribe) out.unsubscribe = { ...s.unsubscribe, ...put.unsubscribe };
  return out;
}

function defined<T extends object>(o: T | undefined): Partial<T> {
  return o ? (Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>) : {};
}

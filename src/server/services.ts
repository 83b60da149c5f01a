// Builds every module's service once per process, wired to one store. Routes and the CLI use these.
import type { Config } from '../core/config.ts';
import type { Store } from '../store/port.ts';
import type { Metrics } from './metrics.ts';
import { WorkspaceService } from '../modules/workspaces/service.ts';
import { AccessService } from '../modules/access/service.ts';
import { IdentityService } from '../modules/identity/service.ts';
import { ChannelService } from '../modules/channels/service.ts';
import { IngestService } from '../modules/ingest/service.ts';
import { OrdersService, registerOrderTrackHandlers } from '../modules/orders/index.ts';
import { MemberRefs } from '../modules/members/member-refs.ts';
import { MembersService } from '../modules/members/service.ts';
import { TagsService } from '../modules/tags/service.ts';
import { ImportService } from '../modules/imports/service.ts';
import { ChangeFeed } from '../core/change-feed.ts';
import { SegmentsService } from '../modules/segments/service.ts';
import { AnalyticsService } from '../modules/analytics/service.ts';
import { ScoresService } from '../modules/scores/service.ts';
import { ClvService } from '../modules/clv/service.ts';
import { LoyaltyService } from '../modules/loyalty/service.ts';
import { CouponsService } from '../modules/coupons/service.ts';
import { CampaignsService } from '../modules/campaigns/service.ts';
import { MessagingService } from '../modules/messaging/service.ts';
import { JobService } from '../modules/jobs/service.ts';
import { TemplateService } from '../modules/templates/service.ts';
import { WecomService } from '../modules/messaging/wecom/service.ts';
import { DeliveryService } from '../modules/delivery/service.ts';
import { BroadcastService } from '../modules/broadcasts/service.ts';
import { guardOf } from '../modules/delivery/guard.ts';
import { MeasurementService } from '../modules/measurement/service.ts';
import { JourneyService } from '../modules/journeys/service.ts';
import { QrCodeService, StaffService } from '../modules/staff/index.ts';
import { CommunityService } from '../modules/community/index.ts';
import type { ChannelType } from '../modules/consent/schema.ts';
import { ConsentService, registerConsentTrackHandler } from '../modules/consent/index.ts';
import { RecommendationsService } from '../modules/recommendations/index.ts';
import { AuditService } from '../modules/audit/index.ts';
import { PrivacyService } from '../modules/privacy/index.ts';
import { AlertsService } from '../modules/alerts/index.ts';

export interface Services {
  store: Store;
  config: Config;
  metrics: Metrics;
  /** Committed data changes (ingest, orders, members, tags) for derived state that follows the data. */
  changes: ChangeFeed;
  workspaces: WorkspaceService;
  /** Users, roles, sessions and lock-out; resolves session tokens and API keys to principals (src/server/auth.ts). */
  access: AccessService;
  identity: IdentityService;
  channels: ChannelService;
  /** Segment-compatible ingest with group commit; other modules add track handlers with `ingest.onTrack`. */
  ingest: IngestService;
  /** Orders, refunds, products and members' order traits. */
  orders: OrdersService;
  /** Member 360, timeline, search and member upserts. */
  members: MembersService;
  /** Tags and tag groups; moves tags on member merges. */
  tags: TagsService;
  /** Bulk import: mapping templates, import runs, all-or-nothing batches of members, orders and events. */
  imports: ImportService;
  /** KPIs, GMV decomposition, cohorts, funnels, channel comparison and trends. */
  analytics: AnalyticsService;
  /** RFM, lifecycle stages and value tiers computed in the store, per member with history. */
  scores: ScoresService;
  /** Segments: rules and static lists, recomputes (on demand, scheduled, realtime from `changes`), history. */
  segments: SegmentsService;
  /** CLV: BG/NBD + Gamma-Gamma fits on the orders, per-member P(alive), expected purchases, value and CLV. */
  clv: ClvService;
  /** Loyalty: program and tiers, the points ledger (group commit), rewards, orders → points, member day, birthday. */
  loyalty: LoyaltyService;
  /** Coupons: templates, codes, issue/claim within limits, redemption (API and orders' coupon_code), refunds, funnel. */
  coupons: CouponsService;
  /** Campaigns (裂变): referral codes, attribution and rewards, group-buy, share-assist and bargain. */
  campaigns: CampaignsService;
  /** Durable jobs: enqueue (idempotent on a key), handlers by kind, recurring schedules, the worker loop. */
  jobs: JobService;
  /** Messaging channels (webhook, email, SMS, app push…): configs, at-most-once sends, receipts. */
  messaging: MessagingService;
  /** Message templates (Liquid): per-channel content, versions, save-time checks, batch rendering, previews. */
  templates: TemplateService;
  /** WeCom / WeChat callbacks (welcome messages, contact and follow events, template results) and mass-send polling. */
  wecom: WecomService;
  /** The one send pipeline (addresses → guard rails → render → at-most-once send) broadcasts and journeys use. */
  delivery: DeliveryService;
  /** Broadcasts: one message to a segment, now / at a time / at a local time per member, throttled, cancellable. */
  broadcasts: BroadcastService;
  /** Measurement: holdout groups per campaign source, tracked links and open pixels, campaign reports with lift. */
  measurement: MeasurementService;
  /** Journeys: triggered, versioned member flows (waits, event waits, branches, A/B, sends, coupons, points, tags). */
  journeys: JourneyService;
  /** Staff-assisted operations (导购): stores, staff, assignments and 继承, order attribution, tasks, performance. */
  staff: StaffService;
  /** Channel QR codes (渠道活码): WeCom 联系我 / 加入群聊 codes with state, rotation, welcome, tags, acquisition report. */
  qrcodes: QrCodeService;
  /** Community (社群): customer groups, members, join/leave events, SOPs, audiences, reports. */
  community: CommunityService;
  /** Consent per channel and purpose, unsubscribe links and keywords, and the guard rails (`consent.guard`: caps, quiet hours, dedupe). */
  consent: ConsentService;
  /** Recommendations: item-CF and ALS trained on net purchases (nightly or on demand), per-member top-N, also-bought. */
  recommendations: RecommendationsService;
  /** Audit log: every change through the API (who, what, when, from where, settings before/after), hash-chained. */
  audit: AuditService;
  /** Data subject rights: export everything on one person, erase a person, the record of requests, consent history. */
  privacy: PrivacyService;
  /** Risk alerts (危机预警): monitors on metrics, alerts with severity, de-duplication and resolution, notifications. */
  alerts: AlertsService;
  /** Flushes pending work (ingest buffers) and stops background loops. */
  close(): Promise<void>;
}

export function createServices(store: Store, config: Config, metrics: Metrics): Services {
  const workspaces = new WorkspaceService(store);
  const identity = new IdentityService(store);
  const closers: Array<() => Promise<void>> = [];
  const changes = new ChangeFeed();
  // Created first so every module can register job kinds and enqueue; its worker is stopped first on close.
  const jobs = new JobService({ store, registry: metrics.registry, timezoneOf: async (ws) => (await workspaces.get(ws)).timezone });
  const ingest = new IngestService(store, identity, metrics, { maxBatch: config.ingestMaxBatch, maxDelayMs: config.ingestMaxDelayMs, maxConcurrent: config.ingestConcurrency }, changes);
  closers.push(() => ingest.close());
  const orders = new OrdersService(store, identity, changes);
  registerOrderTrackHandlers(ingest, orders);
  const memberRefs = new MemberRefs(store, identity);
  const tags = new TagsService(store, identity, memberRefs, changes);
  const members = new MembersService(store, identity, memberRefs, tags, changes);
  const segments = new SegmentsService({
    store, identity, refs: memberRefs, members, changes, metrics,
    timezoneOf: async (ws) => (await workspaces.get(ws)).timezone,
    defaultSchedule: config.segmentSchedule,
  });
  // Closed after ingest (closers run in reverse): ingest's last commits still reach realtime segments.
  closers.unshift(() => segments.close());
  const loyalty = new LoyaltyService({ store, refs: memberRefs, changes, identity, timezoneOf: async (ws) => (await workspaces.get(ws)).timezone });
  closers.unshift(() => loyalty.close());
  members.extendProfile('loyalty', (ws, id, now) => loyalty.profile(ws, id, now));
  const coupons = new CouponsService({ store, identity, refs: memberRefs, changes, segmentIdOf: async (ws, ref) => (await segments.get(ws, ref)).id });
  // Closed last: redemptions of orders from ingest's final commits still run.
  closers.unshift(() => coupons.close());
  members.extendProfile('coupons', (ws, id) => coupons.profileSection(ws, id));
  loyalty.linkCoupons(() => coupons); // birthday and member-day coupons
  const campaigns = new CampaignsService({ store, refs: memberRefs, changes, identity, points: () => loyalty, coupons: () => coupons });
  // Closed first: its pending rewards still reach the loyalty ledger and coupons (the sweep catches up the rest).
  closers.push(() => campaigns.close());
  const scores = new ScoresService(store, workspaces, members);
  const clv = new ClvService(store, workspaces, memberRefs, identity);
  // Segments on stored scores follow each committed scores run or CLV fit (in the background: never block the run).
  scores.onComputed(({ workspaceId }) => void segments.recomputeScoreDependent(workspaceId));
  clv.onFitted(({ workspaceId }) => void segments.recomputeScoreDependent(workspaceId));
  // Runs first (closers run in reverse): running handlers finish or go back to the queue before other services close.
  closers.push(() => jobs.close());
  const messaging = new MessagingService({
    store,
    registry: metrics.registry,
    resolveMember: (ws, ref) => memberRefs.resolveOne(store, ws, ref),
    addressesOf: async (ws, id) => {
      const m = await members.get(ws, id);
      const to: Record<string, string> = {};
      for (const i of m.identities) to[i.type] ??= i.value;
      for (const k of ['phone', 'email'] as const) if (typeof m.attributes[k] === 'string') to[k] = m.attributes[k] as string;
      return to;
    },
  });
  closers.unshift(() => messaging.close());
  members.extendProfile('messages', (ws, id) => messaging.profileSection(ws, id));
  const templates = new TemplateService({ store, refs: memberRefs, workspaces, tags, loyalty, coupons, scores, clv });
  // Templates' `recommendations` slot renders each member's stored list (trending for members without one).
  const recommendations = new RecommendationsService({ store, refs: memberRefs, identity, jobs });
  templates.setRecommendationProvider(recommendations.templateProvider());
  recommendations.onTrained(({ workspaceId }) => void segments.recomputeScoreDependent(workspaceId));
  const wecom = new WecomService({ store, messaging, ingest, identity, templates, jobs });
  // Consent and guard rails: delivery finds `consent.guard` on the services; members, templates and ingest get its parts.
  const consent = new ConsentService({
    store, refs: memberRefs, identity, registry: metrics.registry,
    timezoneOf: async (ws) => (await workspaces.get(ws)).timezone,
    publicUrl: `http://${config.host}:${config.port}`,
  });
  members.extendProfile('consents', (ws, id) => consent.profileSection(ws, id));
  templates.registerContext('unsubscribe_url', consent.templateContext());
  registerConsentTrackHandler(ingest, (ws, list, tx) => consent.record(ws, list, tx));
  // A provider's "unsubscribed" receipt (e.g. an email list-unsubscribe) revokes marketing consent on that channel type.
  messaging.onUnsubscribed((ws, items) => consent.recordUnsubscribes(ws, items.map((i) => ({ ...i, channelType: i.channelType as ChannelType }))));
  // Replies members send through a channel (SMS MO callbacks, official-account texts, WeCom 微信客服) go through the
  // unsubscribe keywords (退订, TD, STOP…): a match revokes marketing on that channel type.
  messaging.onInbound(async (b) => {
    const out: unknown[] = [];
    for (const i of b.items) out.push({ id: i.id, ...(await consent.inbound(b.workspaceId, { channel: b.channelType as ChannelType, from: i.from, text: i.text.slice(0, 2000), at: i.at })) });
    return out;
  });
  // The guard rails (consent module) and holdout draws (measurement module) are looked up on the finished services
  // object, so they may be built in any order; without them everyone is admitted and holdouts are drawn locally.
  const delivery = new DeliveryService({ store, templates, messaging, registry: metrics.registry, guard: () => guardOf(services) });
  const broadcasts = new BroadcastService({
    store, jobs, templates, messaging, delivery,
    segmentIdOf: async (ws, ref) => (await segments.get(ws, ref)).id,
    resolveMember: (ws, ref) => memberRefs.resolveOne(store, ws, ref),
    timezoneOf: async (ws) => (await workspaces.get(ws)).timezone,
    measurement: () => services.measurement,
    leaseMs: config.broadcastLeaseMs,
    chunkSize: config.broadcastChunkSize,
    concurrency: config.broadcastConcurrency,
  });
  // Registers the `track` and `open_pixel` template filters; its holdouts are what broadcasts and journeys draw.
  const measurement = new MeasurementService({
    store, config, messaging, templates,
    resolveMembers: (ws, refs) => memberRefs.resolveMany(store, ws, refs),
  });
  // Follows the change feed and segment membership; sends through delivery; holdouts drawn by measurement (looked up late).
  const journeys = new JourneyService({
    store, jobs, changes, refs: memberRefs, identity, segments, delivery, messaging, templates, templatesInfo: templates, coupons, couponTemplates: coupons, loyalty, tags,
    timezoneOf: async (ws) => (await workspaces.get(ws)).timezone,
    measurement: () => (services as unknown as { measurement?: MeasurementService }).measurement ?? null,
    staff: () => (services as unknown as { staff?: StaffService }).staff ?? null,
  });
  closers.push(() => journeys.close());
  // Staff and community hook the WeCom callback (welcome by QR code state, customer-group events) and ingest (contact events).
  let community: CommunityService | null = null;
  const qrcodes = new QrCodeService({
    store, wecom, templates, tags, members,
    timezoneOf: async (ws) => (await workspaces.get(ws)).timezone,
    chatIdOf: (ws, ref) => (community ? community.chatIdOf(ws, ref) : Promise.resolve(ref)),
  });
  const staff = new StaffService({ store, jobs, ingest, changes, identity, refs: memberRefs, messaging, wecom, qrcodes, timezoneOf: async (ws) => (await workspaces.get(ws)).timezone });
  closers.push(() => staff.close());
  community = new CommunityService({ store, jobs, ingest, identity, messaging, wecom, templates, staff, qrcodes, changes, timezoneOf: async (ws) => (await workspaces.get(ws)).timezone });
  // Written last on close (closers run in reverse): the final requests' entries and the current ingest minute.
  const audit = new AuditService({ store, registry: metrics.registry });
  closers.unshift(() => audit.close());
  const alerts = new AlertsService({
    store, jobs, messaging,
    staff: () => (ws, ref) => staff.staffRow(ws, ref),
    users: () => (ws, ref) => services.access.findUser(ws, ref),
    timezoneOf: async (ws) => (await workspaces.get(ws)).timezone,
  });
  const services: Services = {
    store,
    config,
    metrics,
    changes,
    workspaces,
    access: new AccessService(store, config, workspaces),
    identity,
    channels: new ChannelService(store),
    ingest,
    orders,
    members,
    tags,
    imports: new ImportService(store, { identity, orders, changes }),
    analytics: new AnalyticsService(store, workspaces),
    scores,
    segments,
    clv,
    loyalty,
    coupons,
    campaigns,
    jobs,
    messaging,
    templates,
    wecom,
    delivery,
    broadcasts,
    measurement,
    journeys,
    staff,
    qrcodes,
    community,
    consent,
    recommendations,
    audit,
    privacy: new PrivacyService({ store, members, identity }),
    alerts,
    async close() {
      for (const c of closers.reverse()) await c();
    },
  };
  return services;
}

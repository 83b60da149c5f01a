// Response shapes of the routes the console reads. The OpenAPI document types requests only (routes declare no
// response schemas yet), so these are written by hand and checked by the browser tests against the live API.
// `Responses` maps "method path" (as in schema.d.ts) to its response; client.ts looks routes up there.

export interface Page<T> { data: T[]; next_cursor?: string | null }

export interface Workspace { id: string; name: string; timezone: string; created_at: string }

export interface Period { from: string; to: string; days: number }
export interface Kpi { metric: string; value: number | null; previous: number | null; change: number | null; change_pct: number | null }
export interface KpiReport { timezone: string; period: Period; previous_period: Period; kpis: Kpi[] }

export interface GmvPart { base: number; buyers: number; conversion: number | null; orders: number; orders_per_buyer: number | null; aov: number | null; spend_per_buyer: number | null; gmv: number; gmv_share: number | null }
export interface GmvSide { period: Period; all: GmvPart; new: GmvPart; returning: GmvPart }
export interface GmvReport { timezone: string; period: Period; previous_period: Period; current: GmvSide; previous: GmvSide }

export interface TrendPoint { date: string; members: number; new_members: number; active_members: number; buyers: number; orders: number; gmv: number; aov: number | null; repurchase_rate: number | null }
export interface TrendReport { timezone: string; granularity: 'day' | 'week' | 'month'; from: string; to: string; series: TrendPoint[] }

export interface Traits {
  first_order_at: string | null; last_order_at: string | null; order_count: number; total_spend: number; avg_spend: number | null;
  refund_total: number; favourite_category: string | null; favourite_product: string | null; preferred_channel: string | null;
  days_since_last_order: number | null; active_days_30: number | null; last_seen_at: string | null;
}
export interface MemberRow {
  id: string; user_id: string | null; name: string | null; phone: string | null; email: string | null; gender: string | null;
  birthday: string | null; city: string | null; region: string | null; source_channel: string | null; created_at: string;
  traits: Traits | null; tags: string[];
}
export interface MemberTag { id: string; name: string; group: string | null; group_id: string | null }
export interface Identity { type: string; value: string; source_channel: string | null; first_seen_at: string; last_seen_at: string }
export interface PointsLot { id?: string; points: number; remaining?: number; expires_at?: string | null; [k: string]: unknown }
export interface Consent { allowed: boolean; basis: string }
export interface Member360 {
  id: string; created_at: string; source_channel: string | null; attributes: Record<string, unknown>; identities: Identity[];
  traits: Traits | null; tags: MemberTag[]; merged_from: string[];
  loyalty: { tier: { code?: string; name?: string | { zh?: string; en?: string } } | string | null; points_balance: number; points_debt: number; points_expiring: { days: number; until: string; points: number }; points_lots: PointsLot[]; points_lots_total: number };
  coupons: { unused_count: number; unused: MemberCoupon[] };
  messages: { total: number; sent: number; delivered: number; opened: number; clicked: number; failed: number; in_progress: number; last_sent_at: string | null };
  consents: { records: Array<Record<string, unknown>>; effective: Record<string, Record<string, Consent>> };
}
export interface TimelineItem {
  kind: 'event' | 'order' | 'refund' | 'message' | 'points' | string; id: string; ts: string; name: string | null; type: string | null; channel: string | null;
  amount?: number | null; properties: Record<string, unknown> | null; items?: Array<{ name: string | null; quantity: number; amount: number }>;
}
export interface Timeline { member_id: string; data: TimelineItem[]; next_cursor: string | null }
/** One journey instance of a member (GET /api/members/{ref}/journeys). */
export interface MemberJourney {
  id: string; journey_id: string; journey_name: string | null; version: number; state: string; step_id: string | null;
  steps_done: number; wake_at: string | null; wait_event: string | null; last_error: string | null; entered_at: string; ended_at: string | null;
}
export interface MemberSegment { segment_id?: string; id?: string; name: string; entered_at?: string | null; [k: string]: unknown }
export interface MemberCoupon { id: string; code: string; template: { id: string; name: string | null }; status: string; issued_at: string; valid_to: string | null; used_at: string | null }
export interface ScoreRow { segment?: string; stage?: string; tier?: string; name_zh?: string; name_en?: string; r_score?: number; f_score?: number; m_score?: number; [k: string]: unknown }
export interface MemberScores { member_id: string; rfm: ScoreRow | null; lifecycle: ScoreRow | null; value_tier: ScoreRow | null }

export interface Tag { id: string; name: string; kind: string; description: string | null; group: { id: string; name: string; exclusive: boolean } | null; member_count: number }

export interface Segment {
  id: string; name: string; description: string | null; kind: 'dynamic' | 'static'; rule: unknown; realtime: boolean; schedule: string | null;
  member_count: number | null; version: number; last_computed_at: string | null; created_at: string; updated_at: string;
}
export interface SegmentPreview { count: number; sample: MemberRow[] }
export interface SegmentHistory { segment_id: string; days: number; trend: Array<{ date: string; member_count: number; entered: number; exited: number }> }

export interface RfmSegmentStat { segment: string; name_zh: string; name_en: string; count: number; share: number; revenue: number; revenue_share: number; avg_recency_days: number | null; avg_frequency: number | null; avg_monetary: number | null }
export interface RfmDistribution { run_id: string | null; as_of: string | null; members: number; revenue: number; segments: RfmSegmentStat[] }

export interface CouponBenefit {
  type: 'fixed' | 'percent' | 'threshold' | 'free_shipping' | 'gift'; amount?: number; percentOff?: number; maxDiscount?: number | null;
  spend?: number; save?: number; repeat?: boolean; maxShipping?: number | null; productId?: string; quantity?: number;
}
export interface CouponValidity { type: 'window' | 'after_claim'; startsAt?: string; endsAt?: string; days?: number }
export interface CouponTemplate {
  id: string; name: string; description: string | null; status: 'active' | 'paused' | 'archived'; config: { benefit: CouponBenefit; minSpend?: number; validity: CouponValidity; [k: string]: unknown };
  total_limit: number | null; per_member_limit: number | null; issued_count: number; remaining: number | null; return_on_refund?: boolean; created_at: string; updated_at?: string;
}
export interface CouponFunnel {
  template_id: string; name: string; issued: number; claimed: number; used: number; voided: number; expired: number; unused: number; discount: number; orders: number;
  codes: { total: number; claimed: number }; claim_rate: number | null; use_rate: number | null;
}
export interface CouponBatch { id: string; template_id: string; name: string | null; kind: 'generated' | 'uploaded'; shared: boolean; format: unknown; code_count: number; created_at: string; claimed?: number }
export interface CouponIssueResult {
  issue_id: string; template_id: string; target: string; requested: number; matched: number; issued: number;
  skipped: { member_limit: number; total_limit: number }; not_found_count?: number; replayed?: boolean;
}
export interface BroadcastProgress {
  broadcast_id: string; status: string; audience: number | null; counts: { pending: number; sent: number; failed: number; skipped: number; holdout: number };
  skipped_by_reason?: Record<string, number>; deferred?: number; chunks?: { total: number; queued: number; running: number; waiting: number; done: number; cancelled: number };
  next_run_at?: string | null; started_at?: string | null; finished_at?: string | null;
}
export type BroadcastSchedule = { type: 'now' } | { type: 'at'; at: string } | { type: 'local_time'; date: string; time: string };
export interface Broadcast {
  id: string; name: string; description?: string | null; status: string; segment_id?: string; template_id?: string; template_version?: number | null; channel_id?: string;
  channel_type: string | null; purpose?: string; holdout_share?: number; schedule?: BroadcastSchedule; rate_limit_per_second?: number | null; source_key?: string;
  audience_count: number | null; holdout_count: number | null; start_at: string | null; created_at: string; started_at?: string | null; finished_at: string | null;
  error?: { code: string; message: string } | null; progress?: BroadcastProgress;
}
export type Interval = [number, number];
export interface GroupFigures { members: number; messages: number; sent: number; delivered: number; failed: number; opened: number; clicked: number; conversions: number; orders: number; revenue: number; conversion_rate: number | null; revenue_per_member: number | null }
export interface CampaignReport {
  source_key: string; window_days: number; confidence: number; holdout_share: number | null; audience: number; treatment_size: number; holdout_size: number;
  reach: number; delivered: number; failed: number; opened: number; clicked: number; conversions: number; orders: number; revenue: number;
  groups: { treatment: GroupFigures; holdout: GroupFigures };
  lift: {
    conversion_rate: { absolute: number | null; absolute_ci: Interval | null; relative: number | null; relative_ci: Interval | null; significant: boolean | null };
    revenue_per_member: { absolute: number | null; absolute_ci: Interval | null; relative: number | null; significant: boolean | null };
    incremental_conversions: number | null; incremental_conversions_ci: Interval | null; incremental_revenue: number | null; incremental_revenue_ci: Interval | null;
  };
  window_closes_at: string | null; window_complete: boolean; as_of: string;
}
export interface MessageTemplate { id: string; name: string; description: string | null; version: number; current_version: number; channels: string[]; content?: Record<string, unknown>; variables: string[]; created_at: string; updated_at: string }
export interface TemplatePreview { template_id: string | null; version: number | null; member_id: string; rendered: Record<string, Record<string, unknown>>; failed: Record<string, { code?: string; message?: string; [k: string]: unknown }>; examples_used: string[] }
export interface MessagingChannel { id: string; name: string; type: string; [k: string]: unknown }
export interface JourneyStepStats { step_id: string; type: string; name: string | null; entered: number; waiting: number; completed: number; exited_by_goal: number; outcomes: Record<string, number> }
export interface JourneyStats { journey_id: string; version: number | null; totals: { entered: number; active: number; completed: number; exited: number; goal: number; holdout: number; failed: number; archived: number }; steps: JourneyStepStats[] }
export interface LoyaltyTier { code: string; name: string | { zh?: string; en?: string }; threshold: number; benefits?: Record<string, unknown>; members?: number }
export interface LoyaltyProgram { program: { tiers: LoyaltyTier[]; basis?: unknown; downgrade?: unknown; [k: string]: unknown }; earn?: { order?: Record<string, unknown>; events?: Array<Record<string, unknown>> } | null; lots?: unknown; refunds?: unknown; transfers?: unknown; earn_since?: string | null; [k: string]: unknown }
export interface Reward { id: string; name: string; description: string | null; points_cost: number; stock: number | null; redeemed: number; left: number | null; per_member_limit: number | null; tiers: string[] | null; starts_at: string | null; ends_at: string | null; active: boolean }
export interface Journey { id: string; name: string; description: string | null; status: string; version: number; template: string | null; live_since: string | null; created_at: string; published_at: string | null }
export type KeyScope = 'ingest' | 'read' | 'admin';
export interface ApiKey { id: string; kind: 'admin' | 'write' | 'read'; scope: KeyScope; name: string | null; prefix: string; channel: string | null; created_at: string; last_used_at: string | null; revoked_at: string | null }

// Community, staff and QR codes, messaging channel settings, guard rails, keys (issue 6: community/settings pages).
export interface CommunityGroup {
  id: string; chat_id: string; channel_id: string | null; name: string | null; owner_userid: string | null; positioning: string | null; value_tier: string | null;
  tags: string[]; notice: string | null; status: 'active' | 'dismissed'; member_count: number; wecom_created_at: string | null; synced_at: string | null; [k: string]: unknown;
}
export interface CommunityGroupMember { group_id: string; userid: string; joined_at: string; member_type: number; member_id: string | null; unionid: string | null; name: string | null; join_scene: number | null; invitor: string | null; state: string | null; left_at: string | null; quit_scene: number | null }
export interface CommunityReportRow {
  group_id: string; chat_id: string; name: string | null; positioning: string | null; value_tier: string | null; owner_userid: string | null; status: string;
  joins: number; leaves: number; net_joins: number; sop_messages: number; members_now: number; linked_members: number; buyers: number; member_spend: number; avg_spend: number | null;
  converted: number; conversion_orders: number; conversion_gmv: number; conversion_rate: number | null; rfm_mix: Record<string, number>;
}
export interface CommunityReport { period: { from: string; to: string; timezone: string }; window_days: number; data: CommunityReportRow[] }
export interface SopTargets { groups?: string[]; positioning?: string; value_tier?: string; tag?: string; owner?: string }
export interface Sop {
  id: string; name: string; cron: string; timezone: string; channel: string; content: { text?: string; attachments?: Array<Record<string, unknown>> } | null; template: string | null;
  targets: SopTargets; enabled: boolean; last_tick: string | null; created_at: string; updated_at: string;
}
export interface SopRun { sop_id: string; tick: string; source_key: string; groups: number; sent: number; failed: number; skipped: number; in_flight: number; disabled?: boolean }
export interface StaffMember { id: string; userid: string | null; name: string; store_id: string | null; role: string | null; phone: string | null; email: string | null; active: boolean; left_at: string | null; created_at: string; members: number }
export interface StaffAssignment { member_id: string; staff_id: string; store_id: string | null; source: string; assigned_at: string }
export interface QrCode {
  id: string; name: string; kind: 'contact' | 'group'; state: string; channel_id: string; acquisition_channel: string | null; store_id: string | null; campaign: string | null;
  staff_ids: string[]; rotation: string; current_staff_id: string | null; chat_ids: string[]; tags: string[]; qr_code: string | null; active: boolean; created_at: string; [k: string]: unknown;
}
export interface QrReportRow {
  qrcode_id: string; name: string; kind: string; state: string; acquisition_channel: string | null; store_id: string | null; campaign: string | null;
  new_contacts: number; still_contacts: number; first_orders: number; buyers: number; orders: number; gmv: number; retention_rate: number | null; conversion_rate: number | null;
}
export interface ChannelView {
  id: string; name: string; type: string; enabled: boolean; config: Record<string, unknown>; has_secret: boolean; secret_fields: string[];
  options: Record<string, number | null>; receipts_url: string; created_at: string; updated_at: string;
}
export type GuardPolicy = 'opt_in' | 'opt_out';
export interface GuardCap { scope: string; period: 'day' | 'week' | 'month'; limit: number; purposes: Array<'marketing' | 'service'> }
export interface GuardConfig {
  default_policy: Record<'marketing' | 'service', Record<string, GuardPolicy>>; caps: GuardCap[];
  quiet_hours: { start: string; end: string; purposes: Array<'marketing' | 'service'> } | null; dedupe_window_hours: number;
  keywords: { exact: string[]; contains: string[] }; unsubscribe: { base_url: string | null; purpose: 'marketing' | 'service' };
}
export interface CreatedKey { id: string; secret: string; kind: 'admin' | 'write' | 'read'; scope: KeyScope; workspaceId: string; prefix: string }
export type Role = 'admin' | 'operator' | 'analyst' | 'viewer';
export interface User {
  id: string; workspace_id: string; username: string; email: string | null; display_name: string | null; role: Role;
  disabled_at: string | null; failed_attempts: number; locked_until: string | null; last_login_at: string | null;
  password_changed_at: string | null; created_at: string; updated_at: string;
}
export interface LoginResult { token: string; expiresAt: string; user: User }
export interface Me {
  type: 'user' | 'key'; workspace_id: string; role: Role | null; scope: KeyScope | null; expiresAt: string | null; permissions: string[];
  user: { id: string; username: string; display_name: string | null; role: Role } | null;
  key: { id: string; name: string | null; scope: KeyScope } | null;
}

// Analytics area (issue 6): cohorts, funnels, channels, CLV, RFM grid, lifecycle, value tiers, segment runs.
export interface CohortCell { offset: number; active: number; active_rate: number | null; repurchasing: number; repurchase_rate: number | null }
export interface CohortReport { timezone: string; unit: 'month' | 'week'; cohort_by: 'first_order' | 'signup'; from: string; to: string; as_of: string; max_offset: number; cohorts: Array<{ cohort: string; size: number; offsets: CohortCell[] }> }
export interface FunnelFilter { property: string; op: string; value?: string | number | boolean | Array<string | number | boolean> }
export interface FunnelStepResult { step: number; event: string; where: FunnelFilter[] | null; members: number; step_conversion: number | null; overall_conversion: number | null; median_seconds_from_previous: number | null }
export interface FunnelReport { timezone: string; period: Period; window: string; window_seconds: number; steps: FunnelStepResult[] }
export interface ChannelRow { channel: string | null; members: number | null; new_members: number | null; buyers: number; orders: number; gmv: number; aov: number | null; repurchase_rate: number | null }
export interface ChannelReport { timezone: string; period: Period; by_source: ChannelRow[]; by_order_channel: ChannelRow[] }
export interface HistBucket { from: number; to: number | null; count: number }
export interface ClvDistribution { fit_id: string | null; members: number; p_alive: { mean: number | null; buckets: HistBucket[] }; clv: { mean: number | null; total: number | null; p99: number | null; max: number | null; buckets: HistBucket[] }; expected_purchases_total: number | null }
export interface ClvFit { id: string; calibration_end: string; time_unit: 'week' | 'day'; timezone: string; horizon: number; discount_rate: number; margin: number; members: number; repeaters: number; fit_ms: number; created_at: string }
export interface RfmGrid { run_id: string | null; as_of: string | null; members: number; revenue: number; cells: Array<{ r_score: number; f_score: number; count: number; share: number; revenue: number; revenue_share: number }> }
export interface LifecycleDistribution { run_id: string | null; as_of: string | null; members: number; stages: Array<{ stage: string; name_zh: string; name_en: string; count: number; share: number; avg_order_count: number | null }> }
export interface LifecycleTransitions { from: string; to: string; timezone: string; states: string[]; names: Record<string, { zh: string; en: string }>; counts: Record<string, Record<string, number>>; row_totals: Record<string, number>; rates: Record<string, Record<string, number | null>>; total: number }
export interface ValueTierDistribution { run_id: string | null; as_of: string | null; members: number; spend: number; tiers: Array<{ tier: string; name_zh: string; name_en: string; count: number; share: number; avg_order_count: number | null; spend: number; spend_share: number; avg_spend: number | null }> }
export interface SegmentRun { id: string; segment_id: string; trigger: string; started_at: string; finished_at: string | null; member_count: number; entered: number; exited: number; duration_ms: number | null }

export interface Responses {
  'get /api/workspace': Workspace;
  'get /api/analytics/kpis': KpiReport;
  'get /api/analytics/gmv': GmvReport;
  'get /api/analytics/trends': TrendReport;
  'get /api/members': Page<MemberRow>;
  'get /api/members/{ref}': Member360;
  'get /api/members/{ref}/timeline': Timeline;
  'get /api/members/{ref}/segments': { member_id: string; data: MemberSegment[] };
  'get /api/members/{ref}/scores': MemberScores;
  'get /api/members/{ref}/coupons': { member_id: string; data: MemberCoupon[] };
  'get /api/members/{ref}/journeys': { member_id: string; data: MemberJourney[] };
  'post /api/members/{ref}/tags': { tags: MemberTag[] };
  'delete /api/members/{ref}/tags': { tags: MemberTag[] };
  'get /api/tags': { data: Tag[] };
  'get /api/segments': { data: Segment[] };
  'post /api/segments': Segment;
  'get /api/segments/{ref}': Segment;
  'patch /api/segments/{ref}': Segment;
  'get /api/segments/{ref}/members': Page<MemberRow>;
  'get /api/segments/{ref}/history': SegmentHistory;
  'post /api/segments/preview': SegmentPreview;
  'get /api/rfm/distribution': RfmDistribution;
  'post /api/rfm/compute': { run: { id: string; as_of: string } };
  'get /api/coupons/templates': { data: CouponTemplate[] };
  'post /api/coupons/templates': CouponTemplate;
  'get /api/coupons/templates/{ref}': CouponTemplate;
  'patch /api/coupons/templates/{ref}': CouponTemplate;
  'get /api/coupons/templates/{ref}/funnel': CouponFunnel;
  'get /api/coupons/templates/{ref}/batches': { data: CouponBatch[] };
  'post /api/coupons/templates/{ref}/batches': CouponBatch;
  'post /api/coupons/issue': CouponIssueResult;
  'get /api/broadcasts': Page<Broadcast>;
  'post /api/broadcasts': Broadcast;
  'get /api/broadcasts/{id}': Broadcast;
  'post /api/broadcasts/{id}/schedule': Broadcast;
  'post /api/broadcasts/{id}/cancel': Broadcast;
  'get /api/broadcasts/{id}/progress': BroadcastProgress;
  'get /api/measurement/campaigns/{sourceKey}/report': CampaignReport;
  'get /api/templates': Page<MessageTemplate>;
  'post /api/templates': MessageTemplate;
  'get /api/templates/{ref}': MessageTemplate;
  'patch /api/templates/{ref}': MessageTemplate;
  'post /api/templates/preview': TemplatePreview;
  'post /api/templates/{ref}/preview': TemplatePreview;
  'get /api/messaging/channels': { data: MessagingChannel[] };
  'get /api/journeys/{id}': Journey & { definition?: unknown; draft?: unknown };
  'get /api/journeys/{id}/stats': JourneyStats;
  'get /api/loyalty/program': LoyaltyProgram;
  'put /api/loyalty/program': LoyaltyProgram;
  'get /api/loyalty/tiers': { data: LoyaltyTier[] };
  'get /api/loyalty/rewards': { data: Reward[] };
  'get /api/loyalty/member-day': { member_day: Record<string, unknown> | null };
  'put /api/loyalty/member-day': { member_day: Record<string, unknown> | null };
  'get /api/loyalty/birthday': { birthday: Record<string, unknown> | null };
  'put /api/loyalty/birthday': { birthday: Record<string, unknown> | null };
  'get /api/campaigns/referral/report': Record<string, unknown>;
  'get /api/campaigns/group-buy/deals': { data: Array<Record<string, unknown> & { id: string; name?: string }> };
  'get /api/campaigns/group-buy/deals/{id}/report': Record<string, unknown>;
  'get /api/journeys': { data: Journey[] };
  'get /api/keys': { data: ApiKey[] };
  'post /api/keys': CreatedKey;
  'post /api/auth/login': LoginResult;
  'get /api/auth/me': Me;
  'get /api/users': { data: User[] };
  'post /api/users': User;
  'get /api/users/{id}': User;
  'patch /api/users/{id}': User;
  'post /api/users/{id}/disable': User;
  'post /api/users/{id}/enable': User;
  'post /api/users/{id}/reset-password': User;
  'get /api/community/groups': { data: CommunityGroup[] };
  'get /api/community/groups/{ref}': CommunityGroup;
  'patch /api/community/groups/{ref}': CommunityGroup;
  'get /api/community/groups/{ref}/members': { group_id: string; data: CommunityGroupMember[]; next_cursor: string | null };
  'get /api/community/groups/{ref}/report': CommunityReport;
  'get /api/community/report': CommunityReport;
  'get /api/community/sops': { data: Sop[] };
  'post /api/community/sops': Sop;
  'patch /api/community/sops/{ref}': Sop;
  'post /api/community/sops/{ref}/run': SopRun;
  'get /api/staff': { data: StaffMember[] };
  'get /api/staff/{ref}/members': { staff_id: string; data: StaffAssignment[]; next_cursor: string | null };
  'get /api/qrcodes': { data: QrCode[] };
  'get /api/qrcodes/report': { period: { from: string; to: string; timezone: string }; window_days: number; data: QrReportRow[] };
  'get /api/messaging/channels/{ref}': ChannelView;
  'post /api/messaging/channels': ChannelView;
  'put /api/messaging/channels/{ref}': ChannelView;
  'get /api/consent/guard': GuardConfig;
  'put /api/consent/guard': GuardConfig;
  'post /api/loyalty/rewards': Reward;
  'patch /api/loyalty/rewards/{id}': Reward;
  // analytics area (issue 6)
  'get /api/analytics/cohorts': CohortReport;
  'post /api/analytics/funnels': FunnelReport;
  'get /api/analytics/channels': ChannelReport;
  'get /api/clv/distribution': ClvDistribution;
  'get /api/clv/fits': { data: ClvFit[] };
  'post /api/clv/fit': ClvFit;
  'get /api/rfm/grid': RfmGrid;
  'get /api/lifecycle/distribution': LifecycleDistribution;
  'post /api/lifecycle/compute': { run: { id: string; as_of: string } };
  'get /api/lifecycle/transitions': LifecycleTransitions;
  'get /api/value-tiers/distribution': ValueTierDistribution;
  'post /api/value-tiers/compute': { run: { id: string; as_of: string } };
  'get /api/segments/{ref}/runs': { segment_id: string; data: SegmentRun[] };
}

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
  loyalty: { tier: { code?: string; name?: string } | string | null; points_balance: number; points_debt: number; points_expiring: { days: number; until: string; points: number }; points_lots: PointsLot[]; points_lots_total: number };
  coupons: { unused_count: number; unused: MemberCoupon[] };
  messages: { total: number; sent: number; delivered: number; opened: number; clicked: number; failed: number; in_progress: number; last_sent_at: string | null };
  consents: { records: Array<Record<string, unknown>>; effective: Record<string, Record<string, Consent>> };
}
export interface TimelineItem {
  kind: 'event' | 'order' | 'refund' | string; id: string; ts: string; name: string | null; type: string | null; channel: string | null;
  amount?: number | null; properties: Record<string, unknown> | null; items?: Array<{ name: string | null; quantity: number; amount: number }>;
}
export interface Timeline { member_id: string; data: TimelineItem[]; next_cursor: string | null }
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
export interface ApiKey { id: string; kind: 'admin' | 'write'; name: string | null; prefix: string; channel: string | null; created_at: string; last_used_at: string | null; revoked_at: string | null }

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
}

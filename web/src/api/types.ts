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

export interface CouponTemplate { id: string; name: string; description: string | null; status: string; config: { benefit?: Record<string, unknown>; validity?: Record<string, unknown> }; total_limit: number | null; per_member_limit: number | null; issued_count: number; remaining: number | null; created_at: string }
export interface BroadcastProgress { broadcast_id: string; status: string; audience: number | null; counts: { pending: number; sent: number; failed: number; skipped: number; holdout: number } }
export interface Broadcast { id: string; name: string; status: string; channel_type: string | null; audience_count: number | null; holdout_count: number | null; start_at: string | null; created_at: string; finished_at: string | null; progress?: BroadcastProgress }
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
  'get /api/broadcasts': Page<Broadcast>;
  'get /api/broadcasts/{id}/progress': BroadcastProgress;
  'get /api/journeys': { data: Journey[] };
  'get /api/keys': { data: ApiKey[] };
}

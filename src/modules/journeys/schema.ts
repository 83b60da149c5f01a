// The journey definition language (zod): trigger, entry rules, goal, holdout and a graph of steps keyed by id; and
// the request bodies of the journey routes. Cross-field checks (step references, cycles) live in definition.ts.
import { z } from 'zod';
import { PropertyFilterSchema, TrackName } from '../../core/loyalty/tracked-events.ts';
import { DURATION_PATTERN, durationMs, MAX_DURATION_MS, TIME_OF_DAY_PATTERN } from './time.ts';
import { pageLimit } from '../../core/pagination.ts';

export const STEP_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const StepId = z.string().regex(STEP_ID_PATTERN, 'step ids are 1–64 letters, digits, _ or -');
const Ref = z.string().trim().min(1).max(300);
const Filters = z.array(PropertyFilterSchema).max(20).default([]);
const PropertyPath = z.string().min(1).max(200);

export const Duration = z
  .string()
  .regex(DURATION_PATTERN, 'a duration such as 30m, 2h, 3d, 1d12h or 1w')
  .refine((s) => (durationMs(s) ?? 0) > 0 && (durationMs(s) ?? 0) <= MAX_DURATION_MS, 'a duration between 1s and 366d');
export const TimeOfDay = z.string().regex(TIME_OF_DAY_PATTERN, 'a local time of day HH:MM (24 h)');

// ---- triggers ----

const EventTrigger = z.object({ type: z.literal('event'), event: TrackName, where: Filters }).strict();
const SegmentTrigger = z.object({ type: z.literal('segment'), segment: Ref, on: z.enum(['entry', 'exit']).default('entry') }).strict();
const DateTrigger = z
  .object({
    type: z.literal('date'),
    /** birthday: members.birthday; membership_anniversary: the day the member was created, each year after. */
    field: z.enum(['birthday', 'membership_anniversary']),
    days_before: z.number().int().min(0).max(90).default(0),
    /** Local time (workspace zone) the daily check runs. */
    at: TimeOfDay.default('09:00'),
    /** Only members of this segment (optional). */
    segment: Ref.optional(),
  })
  .strict();
const ScheduleTrigger = z
  .object({ type: z.literal('schedule'), cron: z.string().trim().min(9).max(100), segment: Ref, timezone: z.string().min(1).max(64).optional() })
  .strict();

/**
 * What an order must be to trigger an entry or meet a goal, however it was written (`/v1/orders`, an import, the
 * tracked "Order Completed"): paid (not cancelled), at least `min_amount`, from one of `channels` (the order's source
 * channel), the member's first paid order, with a line in one of `categories` / `products`.
 */
export const OrderFilterFields = {
  status: z.enum(['paid']).default('paid'),
  min_amount: z.number().finite().min(0).max(1e11).optional(),
  channels: z.array(z.string().trim().min(1).max(64)).min(1).max(50).optional(),
  first_order: z.boolean().default(false),
  categories: z.array(z.string().trim().min(1).max(256)).min(1).max(100).optional(),
  products: z.array(z.string().trim().min(1).max(128)).min(1).max(500).optional(),
};
export const OrderFilterSchema = z.object(OrderFilterFields).strict();
export type OrderFilter = z.output<typeof OrderFilterSchema>;
const OrderTrigger = z.object({ type: z.literal('order'), ...OrderFilterFields }).strict();

export const TRIGGER_TYPES = ['event', 'segment', 'date', 'schedule', 'order'] as const;
export const TriggerSchema = z.discriminatedUnion('type', [EventTrigger, SegmentTrigger, DateTrigger, ScheduleTrigger, OrderTrigger], {
  error: `trigger.type must be one of ${TRIGGER_TYPES.join(', ')}`,
});
export type Trigger = z.output<typeof TriggerSchema>;

export const REENTRY = ['once', 'after_exit', 'every_time'] as const;
export const EntrySchema = z
  .object({
    /** once: never again; after_exit: when the member is not in it (per key); every_time: each trigger. */
    reentry: z.enum(REENTRY).default('after_exit'),
    /**
     * Event triggers: an entry event property (e.g. cart_id) keying instances, so one member may be in several;
     * order triggers: an order field (`order_id`) the same way.
     */
    key: PropertyPath.optional(),
  })
  .strict();
export type Entry = z.output<typeof EntrySchema>;

/**
 * Ends the journey for a member when met: an event (optionally matching entry properties), a segment rule, or an
 * order (the same filters as the order trigger) paid after the entry, written by any path.
 */
export const GoalSchema = z.union([
  z.object({ event: TrackName, where: Filters, match: z.array(PropertyPath).max(10).optional() }).strict(),
  z.object({ rule: z.unknown() }).strict(),
  z.object({ order: OrderFilterSchema.default({ status: 'paid', first_order: false }) }).strict(),
]);
export type Goal = { event: string; where: z.output<typeof PropertyFilterSchema>[]; match?: string[] } | { rule: unknown } | { order: OrderFilter };

// ---- steps ----

const common = { name: z.string().trim().min(1).max(200).optional() };
const next = StepId.optional();

const WaitStep = z
  .object({ ...common, type: z.literal('wait'), duration: Duration.optional(), until_time: TimeOfDay.optional(), next })
  .strict()
  .refine((s) => s.duration !== undefined || s.until_time !== undefined, { message: 'a wait needs duration, until_time or both', path: ['duration'] });
const WaitEventStep = z
  .object({
    ...common,
    type: z.literal('wait_event'),
    event: TrackName,
    where: Filters,
    /** Properties the awaited event must share with the entry event (default: the entry key, if any). */
    match: z.array(PropertyPath).max(10).optional(),
    timeout: Duration,
    on_event: next,
    on_timeout: next,
  })
  .strict();
const ConditionStep = z.object({ ...common, type: z.literal('condition'), rule: z.unknown(), then: next, else: next }).strict();
const SplitStep = z
  .object({
    ...common,
    type: z.literal('split'),
    branches: z
      .array(z.object({ name: z.string().trim().min(1).max(64), weight: z.number().positive().max(1e6), next }).strict())
      .min(2)
      .max(10),
  })
  .strict();
const SendStep = z
  .object({
    ...common,
    type: z.literal('send'),
    channel: Ref,
    template: Ref,
    /** Pinned at publish to the template's current version when omitted. */
    template_version: z.number().int().min(1).optional(),
    purpose: z.enum(['marketing', 'service']).default('marketing'),
    next,
  })
  .strict();
const CouponStep = z.object({ ...common, type: z.literal('issue_coupon'), coupon: Ref, next }).strict();
const PointsStep = z.object({ ...common, type: z.literal('grant_points'), points: z.number().int().min(1).max(1e9), reason: z.string().max(200).optional(), next }).strict();
const AddTagStep = z.object({ ...common, type: z.literal('add_tag'), tag: z.string().trim().min(1).max(200), next }).strict();
const RemoveTagStep = z.object({ ...common, type: z.literal('remove_tag'), tag: z.string().trim().min(1).max(200), next }).strict();
const AttributeStep = z
  .object({
    ...common,
    type: z.literal('set_attribute'),
    attribute: z.string().min(1).max(200),
    value: z.union([z.string().max(2000), z.number().finite(), z.boolean(), z.null()]),
    next,
  })
  .strict();
/** A task for the member's assigned staff member (导购): a 1:1 message with a suggested script, a call or a group invite. */
const StaffTaskStep = z
  .object({
    ...common,
    type: z.literal('staff_task'),
    task: z.enum(['message', 'call', 'invite_group']),
    script: z.string().max(2000).optional(),
    /** Due this many hours after the step runs (default 24). */
    due_in_hours: z.number().min(0).max(24 * 90).default(24),
    next,
  })
  .strict();
const ExitStep = z.object({ ...common, type: z.literal('exit') }).strict();

export const STEP_TYPES = ['wait', 'wait_event', 'condition', 'split', 'send', 'issue_coupon', 'grant_points', 'add_tag', 'remove_tag', 'set_attribute', 'staff_task', 'exit'] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const StepSchema = z.discriminatedUnion('type', [
  WaitStep, WaitEventStep, ConditionStep, SplitStep, SendStep, CouponStep, PointsStep, AddTagStep, RemoveTagStep, AttributeStep, StaffTaskStep, ExitStep,
], { error: `type must be one of ${STEP_TYPES.join(', ')}` });
export type Step = z.output<typeof StepSchema>;
export type StepOf<T extends StepType> = Extract<Step, { type: T }>;

/** A validated definition (see parseDefinition); `steps` keeps the author's order. */
export interface Definition {
  trigger: Trigger;
  entry: Entry;
  goal?: Goal;
  /** Share of entrants held out (recorded by measurement, never messaged), 0–0.9. */
  holdout: number;
  start: string;
  steps: Record<string, Step>;
}

// ---- request bodies ----

const Name = z.string().trim().min(1).max(200);
const Params = z.record(z.string().min(1).max(64), z.union([z.string().max(2000), z.number(), z.boolean()]));

export const JourneyCreate = z
  .object({
    name: Name,
    description: z.string().max(2000).optional(),
    definition: z.unknown().optional(),
    /** A standard play (GET /api/journeys/templates) to build the definition from, with its params. */
    template: z.string().min(1).max(64).optional(),
    params: Params.optional(),
  })
  .strict();
export type JourneyCreate = z.infer<typeof JourneyCreate>;

export const JourneyPatch = z.object({ name: Name.optional(), description: z.string().max(2000).nullable().optional(), definition: z.unknown().optional() }).strict();
export type JourneyPatch = z.infer<typeof JourneyPatch>;

export const PublishBody = z
  .object({
    /** Move members in flight on older versions to the new one; `mapping` sends old step ids to new ones. */
    migrate: z.boolean().default(false),
    mapping: z.record(StepId, StepId).default({}),
  })
  .strict();
export type PublishBody = z.infer<typeof PublishBody>;

export const EnterBody = z.object({ members: z.array(z.string().min(1).max(600)).min(1).max(1000), properties: z.record(z.string(), z.unknown()).optional() }).strict();

export const IdParam = z.object({ id: z.string().min(1).max(300) }).strict();
export const VersionParam = z.object({ id: z.string().min(1).max(300), version: z.coerce.number().int().min(1) }).strict();
export const RefParam = z.object({ ref: z.string().min(1).max(600) }).strict();

export const ListQuery = z.object({ status: z.string().max(100).optional() }).strict();
export const StatsQuery = z.object({ version: z.coerce.number().int().min(1).optional() }).strict();
export const InstancesQuery = z
  .object({
    state: z.string().max(200).optional(),
    member: z.string().min(1).max(600).optional(),
    step: StepId.optional(),
    limit: pageLimit(100, 1000),
    cursor: z.string().max(200).optional(),
  })
  .strict();

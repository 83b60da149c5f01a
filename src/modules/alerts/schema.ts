// Request validation for monitors and alerts (zod, strict). Rules come from src/core/alerts/rules.ts.
import { z } from 'zod';
import { Rule, SEVERITIES } from '../../core/alerts/rules.ts';
import { GRANULARITIES, isHourKey } from '../../core/alerts/periods.ts';
import { isIsoDate } from '../analytics/calendar.ts';
import { METRIC_IDS, MetricParams } from './metrics.ts';
import { pageLimit } from '../../core/pagination.ts';

const isoDate = z.string().refine(isIsoDate, 'a date YYYY-MM-DD');
/** A period key: a local date for daily monitors, a local hour for hourly ones. */
export const periodKey = z.string().refine((s) => isIsoDate(s) || isHourKey(s), 'a date YYYY-MM-DD or an hour YYYY-MM-DDTHH:00');

/** Default schedules (cron, workspace time zone): daily monitors at 09:05, hourly ones 5 minutes past every hour. */
export const DEFAULT_SCHEDULE = { day: '5 9 * * *', hour: '5 * * * *' } as const;
/** Periods a monitor evaluates: complete local days (default) or complete local hours. */
const granularity = z.enum(GRANULARITIES);

/**
 * Who hears of an alert: a staff member (id, WeCom userid) whose phone, email and userid are used, a console user
 * (username or id, of the monitor's workspace) whose email is used at send time, or a person named with their
 * addresses. `name` overrides the display name of a staff member or user.
 * @example { staff: 'zhangsan' } · { user: 'ops-lead' } · { name: '值班经理', email: 'ops@example.com', phone: '13800000000' }
 */
export const Recipient = z
  .object({
    staff: z.string().trim().min(1).max(100).optional(),
    /** A console user by username or user id; disabled users and users without an email are skipped when sending. */
    user: z.string().trim().min(1).max(100).optional(),
    name: z.string().trim().min(1).max(100).optional(),
    email: z.string().trim().email().max(200).optional(),
    phone: z.string().trim().min(5).max(30).optional(),
    wecom_userid: z.string().trim().min(1).max(100).optional(),
  })
  .strict()
  .refine((r) => (r.staff !== undefined ? r.user === undefined : r.user !== undefined || (r.name !== undefined && (r.email || r.phone || r.wecom_userid))), {
    message: 'a recipient is {staff}, {user} (a console username or id) or {name} with an email, phone or wecom_userid',
  });
export type Recipient = z.infer<typeof Recipient>;

const monitorFields = {
  name: z.string().trim().min(1).max(100),
  description: z.string().trim().max(1000).nullable().optional(),
  metric: z.enum(METRIC_IDS),
  params: MetricParams.default({}),
  rule: Rule,
  /** 'day' (default): local days; 'hour': local hours (not for dau and churn_to_silent). */
  granularity: granularity.default('day'),
  /** Consecutive normal periods (days or hours) after which an open alert resolves itself. */
  recovery_periods: z.number().int().min(1).max(30).default(1),
  /** No reminder of the same alert within this many minutes (an escalation of severity still notifies). */
  cooldown_minutes: z.number().int().min(0).max(10_080).default(360),
  /** Cron in the workspace time zone; null: on demand only. Default: daily monitors 5 9 * * * (09:05), hourly ones 5 * * * *. */
  schedule: z.string().trim().min(1).max(100).nullable().optional(),
  recipients: z.array(Recipient).max(50).default([]),
  /** Messaging channels (id or name) notifications go through. */
  channels: z.array(z.string().trim().min(1).max(100)).max(10).default([]),
  enabled: z.boolean().default(true),
};

export const MonitorCreate = z.object(monitorFields).strict();
export type MonitorCreate = z.infer<typeof MonitorCreate>;

export const MonitorPatch = z
  .object({
    name: monitorFields.name.optional(),
    description: monitorFields.description,
    metric: monitorFields.metric.optional(),
    params: MetricParams.optional(),
    rule: Rule.optional(),
    /** Changing it moves a schedule still at the old granularity's default to the new one's (unless schedule is given). */
    granularity: granularity.optional(),
    recovery_periods: z.number().int().min(1).max(30).optional(),
    cooldown_minutes: z.number().int().min(0).max(10_080).optional(),
    schedule: z.string().trim().min(1).max(100).nullable().optional(),
    recipients: z.array(Recipient).max(50).optional(),
    channels: z.array(z.string().trim().min(1).max(100)).max(10).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export type MonitorPatch = z.infer<typeof MonitorPatch>;

export const EvaluateBody = z
  .object({
    /**
     * The period evaluated: a local date for daily monitors (default yesterday, the last complete day), a local hour
     * `YYYY-MM-DDTHH:00` for hourly ones (default the last complete hour).
     */
    as_of: periodKey.optional(),
    /** Only compute the verdict (back-testing): no alert is opened, updated or resolved, nobody is notified. */
    dry_run: z.boolean().default(false),
  })
  .strict();
export type EvaluateBody = z.infer<typeof EvaluateBody>;

export const EvaluateAllBody = EvaluateBody.extend({ monitor: z.string().trim().min(1).max(100).optional() }).strict();

export const ALERT_STATES = ['open', 'acknowledged', 'resolved'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const AlertListQuery = z
  .object({
    state: z.enum(ALERT_STATES).optional(),
    severity: z.enum(SEVERITIES).optional(),
    monitor: z.string().min(1).max(100).optional(),
    /** Alerts opened on or after this local date / before the end of `to`. */
    from: isoDate.optional(),
    to: isoDate.optional(),
    limit: pageLimit(100, 500),
  })
  .strict();
export type AlertListQuery = z.infer<typeof AlertListQuery>;

export const AckBody = z.object({ note: z.string().trim().max(2000).optional() }).strict();
export const ResolveBody = z.object({ note: z.string().trim().min(1).max(2000) }).strict();

export const IdParam = z.object({ id: z.string().min(1).max(100) }).strict();

/** A console user as an alert recipient: enough to choose one (no email address: it is personal data). */
export const RecipientUser = z.object({
  id: z.string(),
  username: z.string(),
  display_name: z.string().nullable(),
  role: z.string(),
  /** Disabled users and users without an email are skipped at send time. */
  disabled: z.boolean(),
  has_email: z.boolean(),
});
export const RecipientUsers = z.object({ data: z.array(RecipientUser) });

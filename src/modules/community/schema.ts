// Request validation for community groups, sync, SOPs, audiences and reports (zod, strict).
import { z } from 'zod';
import { pageLimit } from '../../core/pagination.ts';

const text = (max = 200) => z.string().trim().min(1).max(max);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');

export const RefParam = z.object({ ref: z.string().min(1).max(300) }).strict();

export const GroupListQuery = z
  .object({
    status: z.enum(['active', 'dismissed']).optional(),
    positioning: text(100).optional(),
    value_tier: text(100).optional(),
    tag: text(200).optional(),
    owner: text(128).optional(),
  })
  .strict();
export type GroupListQuery = z.infer<typeof GroupListQuery>;

/** Siyu-side facts about a group (WeCom has no such fields): what it is for, how valuable, labels. */
export const GroupPatch = z
  .object({
    positioning: text(100).nullable().optional(),
    value_tier: text(100).nullable().optional(),
    tags: z.array(text(200)).max(50).optional(),
  })
  .strict();
export type GroupPatch = z.infer<typeof GroupPatch>;

export const SyncBody = z
  .object({
    /** The WeCom messaging channel (id or name). */
    channel: text(),
    /** Only these groups (chat_id or group id); default: every group groupchat/list returns. */
    groups: z.array(text(200)).max(1000).optional(),
  })
  .strict();
export type SyncBody = z.infer<typeof SyncBody>;

export const MembersQuery = z
  .object({
    active: z.enum(['true', 'false']).default('true'),
    limit: pageLimit(200, 1000),
    cursor: z.string().min(1).max(300).optional(),
  })
  .strict();

/** Which groups an SOP (or an audience) covers: all listed conditions hold; none means every active group. */
export const Targets = z
  .object({
    groups: z.array(text(200)).max(2000).optional(),
    positioning: text(100).optional(),
    value_tier: text(100).optional(),
    tag: text(200).optional(),
    owner: text(128).optional(),
  })
  .strict();
export type Targets = z.infer<typeof Targets>;

const WecomContent = z
  .object({
    /** Liquid with group.* (name, positioning, value_tier, member_count, owner_userid, tags), sop.name and tick_date. */
    text: z.string().min(1).max(4000).optional(),
    attachments: z.array(z.record(z.string(), z.unknown())).max(9).optional(),
  })
  .strict()
  .refine((c) => c.text || c.attachments?.length, { message: 'content needs text or attachments' });

export const SopCreate = z
  .object({
    name: text(),
    cron: z.string().min(1).max(100),
    /** IANA time zone of the cron; default: the workspace's. */
    timezone: text(64).optional(),
    /** The WeCom messaging channel (id or name) the posts go through (add_msg_template, chat_type group). */
    channel: text(),
    content: WecomContent.optional(),
    /** A saved template (id or name) whose wecom part is the content (rendered per group, no member variables). */
    template: text().optional(),
    targets: Targets.default({}),
    enabled: z.boolean().default(true),
  })
  .strict()
  .refine((b) => Boolean(b.content) !== Boolean(b.template), { message: 'give content or template (one of them)', path: ['content'] });
export type SopCreate = z.infer<typeof SopCreate>;

export const SopPatch = z
  .object({
    cron: z.string().min(1).max(100).optional(),
    timezone: text(64).optional(),
    channel: text().optional(),
    content: WecomContent.optional(),
    template: text().optional(),
    targets: Targets.optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export type SopPatch = z.infer<typeof SopPatch>;

export const SopRunBody = z.object({ tick: z.string().datetime({ offset: true }).optional() }).strict();

export const AudienceBody = Targets;

export const ReportQuery = z
  .object({ from: day, to: day, window_days: z.coerce.number().int().min(1).max(365).default(30), format: z.enum(['json', 'csv']).default('json') })
  .strict();
export type ReportQuery = z.infer<typeof ReportQuery>;

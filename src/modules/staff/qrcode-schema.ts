// Request validation for channel QR codes (渠道活码): create, update, list and the acquisition report.
import { z } from 'zod';
import { STATE_PATTERN } from './rotation.ts';

const text = (max = 200) => z.string().trim().min(1).max(max);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');

export const QrCodeCreate = z
  .object({
    name: text(),
    /** contact: a 联系我 code adding the customer to one employee at a time; group: a 加入群聊 code for 1–5 groups. */
    kind: z.enum(['contact', 'group']).default('contact'),
    /** The WeCom messaging channel (id or name) whose credentials create the code. */
    channel: text(),
    /** WeCom's state (≤30 characters, letters, digits, _ and -); default: a new random one. */
    state: z.string().regex(STATE_PATTERN, 'state: 1 to 30 letters, digits, _ or -').optional(),
    /** Where members from this code come from, set as their acquisition_channel (e.g. store_poster, live_stream). */
    acquisition_channel: text(64).optional(),
    /** Store id or code the code belongs to (members arriving are assigned to it). */
    store: text(128).optional(),
    campaign: text(128).optional(),
    /** kind contact: staff refs the code rotates across (each needs a WeCom userid). */
    staff: z.array(text(128)).max(100).default([]),
    rotation: z.enum(['round_robin', 'least_loaded']).default('round_robin'),
    /** kind group: the customer groups (chat_id or group id) the code leads to. */
    groups: z.array(text(200)).max(5).default([]),
    /** A saved template (id or name) with a `wecom` part: the welcome message of customers from this code. */
    welcome_template: text().optional(),
    /** Plain welcome text (contact: when no template; group: the 入群欢迎语 material). */
    welcome_text: z.string().min(1).max(3000).optional(),
    /** Tags given to every member arriving through the code (created when missing). */
    tags: z.array(text(200)).max(50).default([]),
    skip_verify: z.boolean().default(true),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.kind === 'contact' && b.staff.length === 0) ctx.addIssue({ code: 'custom', message: 'a contact code needs at least one staff member', path: ['staff'] });
    if (b.kind === 'group' && b.groups.length === 0) ctx.addIssue({ code: 'custom', message: 'a group code needs 1 to 5 groups', path: ['groups'] });
  });
export type QrCodeCreate = z.infer<typeof QrCodeCreate>;

export const QrCodePatch = z
  .object({
    name: text().optional(),
    acquisition_channel: text(64).nullable().optional(),
    store: text(128).nullable().optional(),
    campaign: text(128).nullable().optional(),
    staff: z.array(text(128)).min(1).max(100).optional(),
    rotation: z.enum(['round_robin', 'least_loaded']).optional(),
    groups: z.array(text(200)).min(1).max(5).optional(),
    welcome_template: text().nullable().optional(),
    welcome_text: z.string().min(1).max(3000).nullable().optional(),
    tags: z.array(text(200)).max(50).optional(),
  })
  .strict();
export type QrCodePatch = z.infer<typeof QrCodePatch>;

export const QrListQuery = z.object({ active: z.enum(['true', 'false']).optional(), kind: z.enum(['contact', 'group']).optional() }).strict();

export const QrReportQuery = z
  .object({
    from: day,
    to: day,
    /** Days after arrival in which orders count (first orders, GMV). */
    window_days: z.coerce.number().int().min(1).max(365).default(30),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .strict();
export type QrReportQuery = z.infer<typeof QrReportQuery>;

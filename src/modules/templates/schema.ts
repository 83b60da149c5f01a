// Request validation for message templates (zod, strict). `content` is checked by the service (channels.ts and
// the Liquid checks), so its errors name the field inside it (`content.email.subject`).
import { z } from 'zod';
import { MESSAGING_CHANNEL_TYPES } from './channels.ts';
import { pageLimit } from '../../core/pagination.ts';

const name = z.string().trim().min(1).max(100);
const description = z.string().trim().max(1000);
const memberRef = z.string().trim().min(1).max(600);
const channel = z.enum(MESSAGING_CHANNEL_TYPES);
/** Values of caller-supplied variables for a preview (e.g. `coupon`); examples stand in for the rest. */
const extras = z.record(z.string().min(1).max(40), z.record(z.string(), z.unknown())).optional();

export const TemplateCreate = z
  .object({
    name,
    description: description.optional(),
    /** Per messaging channel: webhook, email, sms, wecom, wechat_oa, miniprogram, app_push (see docs/templates.md). */
    content: z.unknown(),
  })
  .strict();
export type TemplateCreate = z.infer<typeof TemplateCreate>;

export const TemplatePatch = z
  .object({
    name: name.optional(),
    description: description.nullable().optional(),
    /** New content: saved as a new version (older versions stay readable; sends name the version they used). */
    content: z.unknown().optional(),
  })
  .strict();
export type TemplatePatch = z.infer<typeof TemplatePatch>;

export const RefParam = z.object({ ref: z.string().min(1).max(200) }).strict();

export const ListQuery = z
  .object({
    limit: pageLimit(100, 500),
    cursor: z.string().min(1).max(200).optional(),
    q: z.string().trim().min(1).max(100).optional(),
  })
  .strict();

export const VersionQuery = z.object({ version: z.coerce.number().int().min(1).optional() }).strict();

export const PreviewBody = z
  .object({
    member: memberRef,
    channel: channel.optional(),
    version: z.number().int().min(1).optional(),
    extras,
  })
  .strict();
export type PreviewBody = z.infer<typeof PreviewBody>;

export const ContentPreviewBody = z
  .object({
    content: z.unknown(),
    member: memberRef,
    channel: channel.optional(),
    extras,
  })
  .strict();
export type ContentPreviewBody = z.infer<typeof ContentPreviewBody>;

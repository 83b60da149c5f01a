// Request validation for the member routes (zod, strict): 360 refs, timeline and list paging, member upsert.
import { z } from 'zod';
import { TIMELINE_KINDS } from './timeline-repo.ts';
import { pageLimit } from '../../core/pagination.ts';

export const RefParams = z.object({ ref: z.string().min(1).max(600) }).strict();

export const TimelineQuery = z
  .object({
    limit: pageLimit(50, 200),
    cursor: z.string().min(1).max(2000).optional(),
    /** Comma-separated kinds to include (default all): event, order, refund, message, points. */
    kinds: z
      .string()
      .max(200)
      .optional()
      .refine((s) => !s || s.split(',').every((x) => (TIMELINE_KINDS as readonly string[]).includes(x.trim())), `kinds are ${TIMELINE_KINDS.join(', ')}`),
  })
  .strict();

export const ListQuery = z
  .object({
    q: z.string().trim().min(1).max(200).optional(),
    tag: z.string().min(1).max(200).optional(),
    limit: pageLimit(50, 1000),
    cursor: z.string().min(1).max(2000).optional(),
  })
  .strict();

const id = z.union([z.string().trim().min(1).max(256), z.number()]).transform((v) => String(v));
const text = z.string().trim().min(1).max(500);

const memberFields = {
  user_id: id.optional(),
  anonymous_id: id.optional(),
  phone: id.optional(),
  email: z.string().trim().max(320).optional(),
  unionid: id.optional(),
  /** `APPID:OPENID`, or the bare openid with `appid`. */
  openid: id.optional(),
  appid: z.string().trim().max(128).optional(),
  wecom_external_userid: id.optional(),
  member_card: id.optional(),
  device_id: id.optional(),
  name: text.optional(),
  gender: text.optional(),
  birthday: z.string().trim().max(40).optional(),
  city: text.optional(),
  region: text.optional(),
  /** Free attributes; a null value removes the attribute. */
  attributes: z.record(z.string().max(200), z.unknown()).optional(),
  channel: z.string().trim().min(1).max(64).optional(),
  /** When this was true (ISO); defaults to now. */
  ts: z.string().datetime({ offset: true }).optional(),
};

/** One member as sent to POST /api/members: identifiers, natural attributes and free attributes. */
export const MemberUpsert = z.object(memberFields).strict();
export type MemberUpsert = z.infer<typeof MemberUpsert>;

/**
 * POST /api/members takes one member, or `{ members: [...] }` of up to 1000 (then no other field). One object
 * schema rather than a union, so validation errors name the exact field (body.members.3.birthday).
 */
export const UpsertBody = z
  .object({ ...memberFields, members: z.array(MemberUpsert).min(1).max(1000).optional() })
  .strict();
export type UpsertBody = z.infer<typeof UpsertBody>;

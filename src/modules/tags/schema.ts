// Request validation for tag groups, tags and tag membership (zod, strict).
import { z } from 'zod';

const name = z.string().trim().min(1).max(100);
const description = z.string().trim().max(1000);

export const GroupCreate = z
  .object({
    name,
    description: description.optional(),
    /** A member holds at most one tag of an exclusive group (e.g. 价格敏感型 / 品质追求型 / 新品尝试型). */
    exclusive: z.boolean().default(false),
  })
  .strict();

export const GroupPatch = z
  .object({ name: name.optional(), description: description.nullable().optional(), exclusive: z.boolean().optional() })
  .strict();

export const TagCreate = z
  .object({
    name,
    /** Tag group id or name. */
    group: z.string().trim().min(1).max(100).optional(),
    description: description.optional(),
    kind: z.enum(['manual', 'imported']).default('manual'),
  })
  .strict();

export const TagPatch = z
  .object({
    name: name.optional(),
    /** Tag group id or name; null takes the tag out of its group. */
    group: z.string().trim().min(1).max(100).nullable().optional(),
    description: description.nullable().optional(),
  })
  .strict();

export const TagListQuery = z.object({ group: z.string().min(1).max(100).optional() }).strict();

export const RefParam = z.object({ ref: z.string().min(1).max(200) }).strict();
export const TagParam = z.object({ tag: z.string().min(1).max(200) }).strict();

/** Bulk membership: member refs (`mem_…` or type:value), at most 1000 per request. */
export const TagMembersBody = z
  .object({
    members: z.array(z.string().min(1).max(600)).min(1).max(1000),
    /** Where the tagging came from (manual, import, api, journey…); kept on each membership. */
    source: z.string().trim().min(1).max(64).optional(),
    /** Create the tag (kind manual, no group) when it does not exist yet; adding only. */
    create_missing_tag: z.boolean().optional(),
  })
  .strict();
export type TagMembersBody = z.infer<typeof TagMembersBody>;

export const MemberTagsBody = z
  .object({
    tags: z.array(z.string().trim().min(1).max(100)).min(1).max(100),
    source: z.string().trim().min(1).max(64).optional(),
    create_missing_tag: z.boolean().optional(),
  })
  .strict();
export type MemberTagsBody = z.infer<typeof MemberTagsBody>;

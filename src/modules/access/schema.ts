// Request bodies of the access routes (users, sessions, keys).
import { z } from 'zod';
import { KEY_SCOPES, ROLES } from './permissions.ts';
import { MAX_PASSWORD } from './passwords.ts';

export const Username = z.string().trim().min(2).max(64).regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only');
const Password = z.string().max(MAX_PASSWORD);

export const LoginBody = z.object({ username: z.string().min(1).max(200), password: z.string().min(1).max(MAX_PASSWORD) }).strict();
export const ChangePasswordBody = z.object({ current_password: z.string().min(1).max(MAX_PASSWORD), new_password: Password }).strict();

export const Role = z.enum(ROLES);
export const CreateUserBody = z
  .object({
    username: Username,
    password: Password,
    role: Role,
    display_name: z.string().trim().max(200).optional(),
    email: z.string().trim().email().max(320).optional(),
  })
  .strict();
export const UpdateUserBody = z
  .object({
    role: Role.optional(),
    display_name: z.string().trim().max(200).nullable().optional(),
    email: z.string().trim().email().max(320).nullable().optional(),
    disabled: z.boolean().optional(),
  })
  .strict();
export const ResetPasswordBody = z.object({ password: Password }).strict();
export const UserParams = z.object({ id: z.string().min(1).max(100) });

export const CreateKeyBody = z
  .object({
    scope: z.enum(KEY_SCOPES).optional(),
    /** Historic name of the scope: write = ingest. */
    kind: z.enum(['write', 'read', 'admin']).optional(),
    name: z.string().max(200).optional(),
    channel: z.string().max(64).optional(),
  })
  .strict();

export type CreateUserInput = z.infer<typeof CreateUserBody>;
export type UpdateUserInput = z.infer<typeof UpdateUserBody>;

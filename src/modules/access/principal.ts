// Who a request acts as: an API key (workspaces module) or a signed-in console user.
import type { Principal as KeyPrincipal } from '../workspaces/service.ts';
import { permissionsOfRole, permissionsOfScope, roleGrants, scopeGrants, type Role } from './permissions.ts';

export type { KeyPrincipal };

export interface UserPrincipal {
  type: 'user';
  workspaceId: string;
  userId: string;
  username: string;
  displayName: string | null;
  role: Role;
  sessionId: string;
  /** Users send no data under a source channel; present so ingest code can read `principal.channel` for both kinds. */
  channel: null;
  /** When the session ends unless used again (idle timeout), ISO. */
  expiresAt: string;
}

export type AuthPrincipal = KeyPrincipal | UserPrincipal;

export function grants(p: AuthPrincipal, permission: string): boolean {
  return p.type === 'user' ? roleGrants(p.role, permission) : scopeGrants(p.scope, permission);
}

export function permissionsOf(p: AuthPrincipal): string[] {
  return p.type === 'user' ? permissionsOfRole(p.role) : permissionsOfScope(p.scope);
}

/** How an error message names the principal ("role viewer", "read key"). */
export const describePrincipal = (p: AuthPrincipal) => (p.type === 'user' ? `role ${p.role}` : `${p.scope}-scoped key`);

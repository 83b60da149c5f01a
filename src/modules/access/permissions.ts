// The permission model, pure (no I/O): which permission each route needs and which roles and key scopes hold it.
// docs/permissions.md is generated from these tables and the live route table (`npm run gen:permissions`).

export const ROLES = ['admin', 'operator', 'analyst', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Key scopes; stored in api_keys.kind as write (= ingest, the historic name), read or admin. */
export const KEY_SCOPES = ['ingest', 'read', 'admin'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];
export type KeyKind = 'write' | 'read' | 'admin';

export const scopeOfKind = (kind: string): KeyScope => (kind === 'admin' ? 'admin' : kind === 'read' ? 'read' : 'ingest');
export const kindOfScope = (scope: KeyScope): KeyKind => (scope === 'admin' ? 'admin' : scope === 'read' ? 'read' : 'write');

export const AREAS = [
  'members', 'ingest', 'orders', 'products', 'tags', 'imports', 'segments', 'scores', 'analytics', 'clv', 'loyalty', 'coupons',
  'campaigns', 'templates', 'broadcasts', 'journeys', 'messaging', 'channels', 'consent', 'community', 'staff', 'jobs', 'settings',
  'access', 'audit', 'privacy', 'alerts', 'recommendations', 'system',
] as const;
export type Area = (typeof AREAS)[number];

/** Permissions beyond `<area>.read` / `<area>.write`. */
export const SPECIAL_PERMISSIONS = {
  'pii.read': 'see unmasked phone, email, name and address',
  'members.export': 'export member lists (members, segment members, consents)',
  'privacy.export': 'export everything held on one person',
  'privacy.erase': 'erase one person',
  'audit.read': 'read and export the audit log',
  'access.manage': 'users, roles and API keys',
  'settings.write': 'workspace, messaging channels and credentials, consent guard rails',
  'system.backup': 'backup and restore',
} as const;

/** Any authenticated principal (sign out, who am I, change own password). */
export const SELF = 'self';
/** No credentials needed (sign-in, signed callbacks, tracked links, unsubscribe pages). */
export const PUBLIC = 'public';

/** URL prefix → area; the longest matching prefix wins, and a prefix only matches whole path segments. */
export const AREA_PREFIXES: ReadonlyArray<readonly [string, Area | typeof SELF]> = [
  ['/v1', 'ingest'],
  ['/api/auth', SELF],
  ['/api/members', 'members'],
  ['/api/orders', 'orders'],
  ['/api/products', 'products'],
  ['/api/tags', 'tags'],
  ['/api/tag-groups', 'tags'],
  ['/api/imports', 'imports'],
  ['/api/import-runs', 'imports'],
  ['/api/mappings', 'imports'],
  ['/api/segments', 'segments'],
  ['/api/rfm', 'scores'],
  ['/api/lifecycle', 'scores'],
  ['/api/value-tiers', 'scores'],
  ['/api/score-runs', 'scores'],
  ['/api/scores', 'scores'],
  ['/api/analytics', 'analytics'],
  ['/api/measurement', 'analytics'],
  ['/api/clv', 'clv'],
  ['/api/loyalty', 'loyalty'],
  ['/api/coupons', 'coupons'],
  ['/api/campaigns', 'campaigns'],
  ['/api/templates', 'templates'],
  ['/api/broadcasts', 'broadcasts'],
  ['/api/journeys', 'journeys'],
  ['/api/messaging', 'messaging'],
  ['/api/messaging/channels', 'channels'],
  ['/api/channels', 'channels'],
  ['/api/consent', 'consent'],
  ['/api/consent/guard', 'settings'],
  ['/api/community', 'community'],
  ['/api/staff', 'staff'],
  ['/api/qrcodes', 'staff'],
  ['/api/jobs', 'jobs'],
  ['/api/workspace', 'settings'],
  ['/api/settings', 'settings'],
  ['/api/users', 'access'],
  ['/api/keys', 'access'],
  ['/api/access', 'access'],
  ['/api/audit', 'audit'],
  ['/api/privacy', 'privacy'],
  ['/api/pii', 'privacy'],
  ['/api/alerts', 'alerts'],
  ['/api/recommendations', 'recommendations'],
  ['/api/system', 'system'],
  ['/api/backup', 'system'],
];

/**
 * Routes whose permission is not `<area>.read|write` by method: POSTs that only compute an answer (previews, quotes,
 * funnels), member-list exports, and the bulk-import endpoints integrations send data through. Keyed `METHOD url`.
 */
export const ROUTE_PERMISSIONS: Readonly<Record<string, string>> = {
  'POST /api/analytics/funnels': 'analytics.read',
  'POST /api/segments/preview': 'segments.read',
  'POST /api/templates/preview': 'templates.read',
  'POST /api/templates/:ref/preview': 'templates.read',
  'POST /api/loyalty/quote': 'loyalty.read',
  'POST /api/consent/guard/check': 'consent.read',
  'POST /api/community/audience': 'community.read',
  'POST /api/community/chat-targets': 'community.read',
  'POST /api/imports/:kind/validate': 'imports.read',
  'GET /api/members/export': 'members.export',
  'GET /api/segments/:ref/export': 'members.export',
  'GET /api/consent/export': 'members.export',
  'POST /api/import-runs': 'ingest.write',
  'POST /api/import-runs/:id/finish': 'ingest.write',
  'POST /api/imports/:kind/batch': 'ingest.write',
};

/** Areas whose writes need a special permission instead of `<area>.write`. */
const WRITE_PERMISSION: Partial<Record<Area, string>> = { channels: 'settings.write', access: 'access.manage' };
/** Areas whose reads need a special permission instead of `<area>.read`. */
const READ_PERMISSION: Partial<Record<Area, string>> = { access: 'access.manage', audit: 'audit.read' };

/** Areas no role but admin reads: users and keys, the audit log, personal-data requests, backups. */
export const ADMIN_ONLY_AREAS: ReadonlySet<string> = new Set(['access', 'audit', 'privacy', 'system']);
/** Read keys see everything an integration may pull, but never users, keys or the audit log. */
const KEY_READ_EXCLUDED: ReadonlySet<string> = new Set(['access', 'audit', 'privacy', 'system']);

export const OPERATOR_WRITES: ReadonlySet<string> = new Set([
  'members', 'tags', 'orders', 'imports', 'ingest', 'segments', 'scores', 'loyalty', 'coupons', 'campaigns', 'templates', 'broadcasts',
  'journeys', 'messaging', 'community', 'staff', 'alerts', 'recommendations',
]);
export const ANALYST_WRITES: ReadonlySet<string> = new Set(['segments', 'scores', 'analytics', 'clv', 'recommendations']);

/** The area of a URL (route pattern or concrete path), SELF for the auth routes, or null when no prefix matches. */
export function areaOf(url: string): Area | typeof SELF | null {
  const path = url.split('?')[0];
  let best: readonly [string, Area | typeof SELF] | null = null;
  for (const entry of AREA_PREFIXES) {
    const [prefix] = entry;
    if ((path === prefix || path.startsWith(prefix + '/')) && (!best || prefix.length > best[0].length)) best = entry;
  }
  return best ? best[1] : null;
}

const isRead = (method: string) => method === 'GET' || method === 'HEAD';

/**
 * The permission a route needs: its declared one, else the override for `METHOD url`, else from its area and
 * method. Unmapped URLs need `system.read|write` (admin only), so a new route is closed until it is classified.
 */
export function permissionFor(method: string, url: string, declared?: string): string {
  if (declared) return declared;
  const m = method === 'HEAD' ? 'GET' : method;
  const override = ROUTE_PERMISSIONS[`${m} ${url}`];
  if (override) return override;
  const area = areaOf(url);
  if (area === SELF) return SELF;
  if (!area) return isRead(m) ? 'system.read' : 'system.write';
  if (isRead(m)) return READ_PERMISSION[area] ?? `${area}.read`;
  return WRITE_PERMISSION[area] ?? `${area}.write`;
}

function split(permission: string): { area: string; action: string } {
  const i = permission.lastIndexOf('.');
  return i < 0 ? { area: permission, action: '' } : { area: permission.slice(0, i), action: permission.slice(i + 1) };
}

/** Whether a role holds a permission. */
export function roleGrants(role: Role, permission: string): boolean {
  if (permission === SELF || permission === PUBLIC || role === 'admin') return true;
  if (permission === 'pii.read') return role === 'operator';
  if (permission === 'members.export') return role === 'operator' || role === 'analyst';
  const { area, action } = split(permission);
  if (!(AREAS as readonly string[]).includes(area)) return false;
  if (action === 'read') return !ADMIN_ONLY_AREAS.has(area);
  if (action === 'write') {
    if (role === 'operator') return OPERATOR_WRITES.has(area);
    if (role === 'analyst') return ANALYST_WRITES.has(area);
  }
  return false;
}

/** Whether an API key scope holds a permission. */
export function scopeGrants(scope: KeyScope, permission: string): boolean {
  if (permission === SELF || permission === PUBLIC || scope === 'admin') return true;
  if (scope === 'ingest') return permission === 'ingest.write';
  if (permission === 'members.export') return true;
  const { area, action } = split(permission);
  return action === 'read' && (AREAS as readonly string[]).includes(area) && !KEY_READ_EXCLUDED.has(area);
}

/** Every named permission: each area's read and write (or its special replacement), then the special ones. */
export function allPermissions(): string[] {
  const out = new Set<string>();
  for (const area of AREAS) {
    out.add(READ_PERMISSION[area] ?? `${area}.read`);
    out.add(WRITE_PERMISSION[area] ?? `${area}.write`);
  }
  for (const p of Object.keys(SPECIAL_PERMISSIONS)) out.add(p);
  return [...out].sort();
}

export function permissionsOfRole(role: Role): string[] {
  return allPermissions().filter((p) => roleGrants(role, p));
}

export function permissionsOfScope(scope: KeyScope): string[] {
  return allPermissions().filter((p) => scopeGrants(scope, p));
}

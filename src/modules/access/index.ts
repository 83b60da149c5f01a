// Access control: users, roles, sessions, key scopes and the permission of every route.
export { AccessService, SESSION_PREFIX } from './service.ts';
export { accessRoutes } from './routes.ts';
export * from './permissions.ts';
export { grants, permissionsOf, describePrincipal, type AuthPrincipal, type UserPrincipal, type KeyPrincipal } from './principal.ts';

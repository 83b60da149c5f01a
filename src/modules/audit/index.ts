// Audit log: who changed what, when, from where (with settings snapshots), append-only and hash-chained.
export { AuditService, viewOf, type AuditEntry, type AuditView } from './service.ts';
export { installAuditHooks, resourceIdOf } from './hooks.ts';
export { registerAuditSnapshot, type SnapshotSpec } from './snapshots.ts';
export { auditRoutes } from './routes.ts';

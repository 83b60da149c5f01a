// Response shapes of the audit and privacy routes, as their response schemas document them (schema.d.ts).
import type { ResponseOf } from '../../api/client';

export type AuditPage = ResponseOf<'get', '/api/audit'>;
export type AuditRow = AuditPage['data'][number];
export type AuditVerify = ResponseOf<'get', '/api/audit/verify'>;
export type PrivacyRequest = ResponseOf<'get', '/api/privacy/requests'>['data'][number];

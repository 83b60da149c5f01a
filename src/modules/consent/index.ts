// Consent and guard rails: statements per member, channel and purpose; unsubscribe links and keywords; GuardService.
export { ConsentService, effectiveOf, type ConsentChange, type ConsentDeps, type EffectiveConsent, type MemberConsents } from './service.ts';
export { GuardService, ADMIT_CHUNK, type AdmitRequest, type AdmitResult } from './guard.ts';
export type { Admission, Reservation, RefusalReason } from './guard-rules.ts';
export { registerConsentTrackHandler, statementsOf, CONSENT_EVENT } from './ingest-hook.ts';
export { consentRoutes } from './routes.ts';
export * from './schema.ts';

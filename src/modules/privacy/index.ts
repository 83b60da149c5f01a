// Data subject rights: privacy export and erase, the record of requests, consent history exports.
export { PrivacyService, maskRef, type PrivacyExport, type EraseResult } from './service.ts';
export { privacyRoutes } from './routes.ts';
export { stripPersonal, isPersonalKey } from './personal.ts';

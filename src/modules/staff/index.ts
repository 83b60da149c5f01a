// Staff-assisted operations (导购) and channel QR codes (渠道活码).
export { StaffService, REMIND_JOB, SYNC_JOB, type StaffDeps, type TaskSpec } from './service.ts';
export { QrCodeService, type QrCodeDeps, type QrCodeView } from './qrcode-service.ts';
export { staffRoutes } from './routes.ts';
export { qrcodeRoutes } from './qrcode-routes.ts';
export type { HandoverHook, HandoverContext } from './handover.ts';

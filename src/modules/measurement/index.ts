// Measurement module: holdouts, tracked links and open pixels, campaign reports with lift. Public surface for other modules.
export { MeasurementService, type HoldoutSpec, type MeasurementDeps } from './service.ts';
export type { CampaignReport, GroupFigures } from './report.ts';
export { splitHoldout, unitDraw } from './holdout-split.ts';

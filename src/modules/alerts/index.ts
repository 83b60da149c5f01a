// Risk alerts module (危机预警): public surface.
export { AlertsService, EVALUATE_JOB, type AlertsDeps, type EvaluationResult } from './service.ts';
export { alertRoutes } from './routes.ts';
export { METRIC_CATALOGUE } from './metrics.ts';

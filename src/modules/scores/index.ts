// Scores module: RFM, lifecycle stages and value tiers on the store (service, routes).
export { ScoresService } from './service.ts';
export { scoreRoutes } from './routes.ts';

// Recommendations module: item-CF and ALS trained on net purchases, served per member and per product.
export { RecommendationsService, TRAIN_JOB, NIGHTLY_SCHEDULE } from './service.ts';
export { recommendationRoutes } from './routes.ts';

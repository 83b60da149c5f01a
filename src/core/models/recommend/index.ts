// Public surface of the pure recommenders (no I/O): interaction matrix, item-based CF, implicit ALS, fallbacks,
// top-N selection, ranking metrics and the time-split evaluation.
export * from './interactions.ts';
export * from './item-cf.ts';
export * from './als.ts';
export * from './popularity.ts';
export * from './top-n.ts';
export * from './metrics.ts';
export * from './evaluate.ts';
export { choleskySolve } from './linalg.ts';
export * from './batch.ts';

// Public surface of the pure CLV models (no I/O): BG/NBD, Gamma-Gamma, discounted CLV and their special functions.
export * from './summary.ts';
export * from './bgnbd.ts';
export * from './bgnbd-fit.ts';
export * from './gamma-gamma.ts';
export * from './gamma-gamma-fit.ts';
export * from './clv.ts';
export * from './simulate.ts';
export { bfgs, type BfgsOptions, type BfgsResult } from './bfgs.ts';
export { nelderMead, type NelderMeadOptions, type NelderMeadResult } from './nelder-mead.ts';
export { lgamma, betaln, hyp2f1, digamma } from './special.ts';

// Maps the API's snake_case model parameters to the pure models' options (only the ones given).
import type { AlsOptions, ItemCfOptions } from '../../core/models/recommend/index.ts';
import type { z } from 'zod';
import type { AlsParams, ItemCfParams } from './schema.ts';

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export function itemCfOptionsOf(p: z.infer<typeof ItemCfParams> = {}): Partial<ItemCfOptions> {
  return defined({ neighbours: p.neighbours, alpha: p.alpha, shrink: p.shrink, userDamping: p.user_damping, normalise: p.normalise });
}

export function alsOptionsOf(p: z.infer<typeof AlsParams> = {}): Partial<AlsOptions> {
  return defined({
    factors: p.factors, lambda: p.lambda, alpha: p.alpha, iterations: p.iterations, confidence: p.confidence, epsilon: p.epsilon,
    solver: p.solver, cgSteps: p.cg_steps, seed: p.seed,
  });
}

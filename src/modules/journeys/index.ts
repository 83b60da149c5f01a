// Journeys: triggered, versioned multi-step member flows (waits, event waits, branches, A/B, sends, coupons, points…).
export { JourneyService, type JourneysDeps } from './service.ts';
export { parseDefinition } from './definition.ts';
export { PLAYS, buildPlay } from './plays.ts';
export type { Definition, Step, Trigger } from './schema.ts';

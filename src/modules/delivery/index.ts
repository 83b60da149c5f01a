// Delivery: the shared send pipeline (addresses → guard → render → at-most-once send → outcomes).
export { DeliveryService, type DeliveryDeps } from './service.ts';
export { OPEN_GUARD, type Guard, type GuardDecision, type GuardRequest } from './guard.ts';
export { ADDRESS_PLANS, buildAddresses, type AddressPlan } from './addresses.ts';
export * from './types.ts';

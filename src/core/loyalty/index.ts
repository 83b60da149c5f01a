// Pure loyalty model (no I/O): programs and tiers, earn rules, lots and refunds, the reference ledger, coupons and
// codes, member day and birthday, referral, group-buy and assist/bargain. Store-backed modules build on these.
export * from './shared.ts';
export * from './local-time.ts';
export * from './program.ts';
export * from './multipliers.ts';
export * from './earn-rules.ts';
export * from './event-rules.ts';
export * from './tracked-events.ts';
export * from './checkout.ts';
export * from './lots.ts';
export * from './refund-reversal.ts';
export * from './ledger-ops.ts';
export * from './ledger.ts';
export * from './coupons.ts';
export * from './codes.ts';
export * from './member-day.ts';
export * from './referral.ts';
export * from './group-buy.ts';
export * from './assist.ts';

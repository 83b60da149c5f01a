// Personal data protection: keys, authenticated encryption, blind indexes and masks (pure; no store access).
export * from './keys.ts';
export * from './codec.ts';
export * from './blind-index.ts';
export * from './mask.ts';

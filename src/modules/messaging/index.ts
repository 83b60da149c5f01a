// Messaging module: channel configs, provider adapters, at-most-once sends, receipts. Public surface for other modules.
export { MessagingService, type MessagingDeps, type MessagesProfile } from './service.ts';
export type { SendInput, SendOptions, SendOutcome, SendReport } from './sender.ts';
export { ProviderRegistry, defaultProviders } from './providers/registry.ts';
export { TokenCache, sqlTokenStore, type FetchedToken, type TokenStore } from './token-cache.ts';
export { RateLimiter, mapLimit } from './rate-limiter.ts';
export { httpCall, classifyHttpStatus, classifyFetchError, backoffMs, type Classifier, type HttpOutcome, type HttpResponseInfo } from './http-call.ts';
export { signatureHeader, verifySignature, SIGNATURE_HEADER } from './signature.ts';
export { smsLength, withSignature } from './sms-segments.ts';
export { renderMapping, readPath } from './body-mapping.ts';
export * from './types.ts';

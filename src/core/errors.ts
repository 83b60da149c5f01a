// Typed application errors with stable codes; mapped to HTTP in one place (src/server/error-mapping.ts).

/** Broad error families; each maps to one HTTP status. */
export type ErrorType =
  | 'invalid_data'
  | 'not_found'
  | 'duplicate'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'payload_too_large'
  | 'rate_limited'
  | 'unavailable';

/**
 * The one error class the domain throws. `code` is stable (e.g. `member.not_found`) and safe for
 * integrations to switch on; `field` names the offending input when there is one.
 * @example throw new SiyuError('not_found', 'member.not_found', 'No member user_id:u1', { field: 'ref' })
 */
export class SiyuError extends Error {
  readonly type: ErrorType;
  readonly code: string;
  readonly field?: string;
  readonly details?: unknown;

  constructor(type: ErrorType, code: string, message: string, opts: { field?: string; details?: unknown } = {}) {
    super(message);
    this.name = 'SiyuError';
    this.type = type;
    this.code = code;
    this.field = opts.field;
    this.details = opts.details;
  }
}

export const invalid = (code: string, message: string, field?: string, details?: unknown) =>
  new SiyuError('invalid_data', code, message, { field, details });

export const notFound = (code: string, message: string, field?: string) =>
  new SiyuError('not_found', code, message, { field });

export const isSiyuError = (e: unknown): e is SiyuError => e instanceof SiyuError;

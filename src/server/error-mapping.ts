// The one place errors become HTTP responses: typed SiyuErrors by type, framework errors by code, the rest 500.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { SiyuError, type ErrorType } from '../core/errors.ts';
import { formatBytes, storeUnavailable } from './limits.ts';

export const STATUS: Record<ErrorType, number> = {
  invalid_data: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  duplicate: 422,
  rate_limited: 429,
  unavailable: 503,
};

export interface ErrorBody {
  type: ErrorType | 'internal';
  code: string;
  message: string;
  field?: string;
  details?: unknown;
  /** On 500s: the id of the log line holding the details (stack, SQL); the body never carries them. */
  requestId?: string;
}

/** Segment's tracking API answers 400 for oversize and malformed bodies, and callers expect `success: false`. */
const isSegmentRoute = (req: FastifyRequest) => req.url.startsWith('/v1/');

/** Converts any thrown value into a status and a `{type, code, message, field}` body. */
export function toErrorResponse(err: unknown, req: FastifyRequest): { status: number; body: ErrorBody } {
  if (err instanceof SiyuError) {
    let status = STATUS[err.type];
    if (err.type === 'payload_too_large' && isSegmentRoute(req)) status = 400;
    return { status, body: { type: err.type, code: err.code, message: err.message, field: err.field, details: err.details } };
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issues = err.validation.map((v: any) => {
      const where = (v.instancePath || '').replace(/^\//, '').replace(/\//g, '.');
      const part = (err as any).validationContext ?? 'body';
      return { field: where ? `${part}.${where}` : part, message: v.message };
    });
    const first = issues[0];
    return {
      status: 400,
      body: { type: 'invalid_data', code: 'request.invalid', message: `${first.field}: ${first.message}`, field: first.field, details: issues },
    };
  }
  const fe = err as FastifyError;
  switch (fe?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, body: { type: 'invalid_data', code: 'request.invalid_json', message: `Body is not valid JSON: ${fe.message}`, field: 'body' } };
    case 'FST_ERR_CTP_BODY_TOO_LARGE': {
      const limit = req.routeOptions.bodyLimit ?? req.server.initialConfig.bodyLimit;
      return {
        status: isSegmentRoute(req) ? 400 : 413,
        body: {
          type: 'payload_too_large',
          code: 'request.too_large',
          message: limit ? `The body is larger than this route's limit of ${formatBytes(limit)}` : fe.message,
          field: 'body',
          details: limit ? { limit_bytes: limit } : undefined,
        },
      };
    }
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { type: 'invalid_data', code: 'request.unsupported_media_type', message: fe.message, field: 'content-type' } };
  }
  if (fe?.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { type: 'invalid_data', code: `request.${fe.code ?? 'bad_request'}`.toLowerCase(), message: fe.message } };
  }
  const unavailable = storeUnavailable(err);
  if (unavailable) return { status: 503, body: { type: 'unavailable', code: unavailable.code, message: unavailable.message, requestId: req.id } };
  // Anything else is a bug: no stack, SQL or values in the body, only the request id to find them in the log.
  return { status: 500, body: { type: 'internal', code: 'internal', message: 'Internal error; see the server log for this request id', requestId: req.id } };
}

/** Fastify error handler: logs 5xx with the stack, answers everything in one shape. */
export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const { status, body } = toErrorResponse(err, req);
  if (status >= 500) req.log.error({ err, requestId: req.id }, 'request failed');
  if (status === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', '1');
  const payload = isSegmentRoute(req) ? { success: false, ...body } : body;
  return reply.status(status).send(payload);
}

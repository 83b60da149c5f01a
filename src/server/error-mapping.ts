// The one place errors become HTTP responses: typed SiyuErrors by type, framework errors by code, the rest 500.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { SiyuError, type ErrorType } from '../core/errors.ts';

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
      return { status: 400, body: { type: 'invalid_data', code: 'request.malformed_json', message: `Body is not valid JSON: ${fe.message}`, field: 'body' } };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: isSegmentRoute(req) ? 400 : 413,
        body: { type: 'payload_too_large', code: 'request.too_large', message: fe.message, field: 'body' },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { type: 'invalid_data', code: 'request.unsupported_media_type', message: fe.message, field: 'content-type' } };
  }
  if (fe?.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, body: { type: 'invalid_data', code: `request.${fe.code ?? 'bad_request'}`.toLowerCase(), message: fe.message } };
  }
  return { status: 500, body: { type: 'internal', code: 'internal', message: 'Internal error; see server logs' } };
}

/** Fastify error handler: logs 5xx with the stack, answers everything in one shape. */
export function errorHandler(err: unknown, req: FastifyRequest, reply: FastifyReply) {
  const { status, body } = toErrorResponse(err, req);
  if (status >= 500) req.log.error({ err }, 'request failed');
  const payload = isSegmentRoute(req) ? { success: false, ...body } : body;
  return reply.status(status).send(payload);
}

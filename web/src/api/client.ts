// The console's only way to the server: a typed fetch over the admin HTTP API. Paths, path parameters, query
// strings and JSON bodies are typed from schema.d.ts (generated from /openapi.json by `npm run gen:api`), and so are
// the responses of routes that declare a response schema; the others' response shapes are typed in types.ts.
import type { paths } from './schema';
import type { Responses } from './types';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type Params<P extends keyof paths, M extends Method> = Op<P, M> extends { parameters: infer X } ? X : never;
type PathOf<X> = X extends { path: infer T } ? (T extends Record<string, unknown> ? T : never) : never;
type QueryOf<X> = X extends { query?: infer T } ? T : never;
type BodyOf<O> = O extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

/** Paths that accept `M`. */
export type PathsWith<M extends Method> = { [P in keyof paths]: paths[P][M] extends undefined | never ? never : P }[keyof paths];

export interface CallOptions<P extends keyof paths, M extends Method> {
  path?: PathOf<Params<P, M>>;
  query?: QueryOf<Params<P, M>>;
  body?: BodyOf<Op<P, M>>;
  signal?: AbortSignal;
}

/** An error answered by the API ({type, code, message, field}) or a network failure (code `network.error`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** The error's `details` (e.g. the stranded steps of `journey.publish_would_strand`). */
    readonly details?: unknown,
  ) {
    super(message);
  }
}

let currentKey: string | null = null;
let onUnauthorized: (() => void) | null = null;

/** Sets the admin key sent as `Authorization: Bearer …` and what to do when the API refuses it. */
export function configureApi(key: string | null, unauthorized?: () => void) {
  currentKey = key;
  if (unauthorized) onUnauthorized = unauthorized;
}

function buildUrl(template: string, path?: Record<string, unknown>, query?: Record<string, unknown>): string {
  const p = template.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(String(path?.[k] ?? '')));
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${p}?${s}` : p;
}

/** Calls the API with an explicit key (sign-in checks a key before keeping it). */
export async function callWithKey<T>(key: string | null, method: Method, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method: method.toUpperCase(), headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network.error', (e as Error).message);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const d = (data ?? {}) as { code?: string; message?: string; field?: string; error?: string; details?: unknown };
    const err = new ApiError(res.status, d.code ?? `http.${res.status}`, d.message ?? d.error ?? res.statusText, d.field, d.details);
    if (res.status === 401 && key === currentKey) onUnauthorized?.();
    throw err;
  }
  return data as T;
}

/** The 200 JSON body a route documents in the OpenAPI document (`never` when it documents none). */
type Documented<O> = O extends { responses: { 200: { content: { 'application/json': infer R } } } } ? R : never;
/** Written by hand in types.ts for routes that document no response yet; `unknown` for the rest. */
type HandWritten<M extends Method, P> = `${M} ${P & string}` extends keyof Responses ? Responses[`${M} ${P & string}`] : unknown;

/** The response type of a route: its documented response schema, else types.ts. */
export type ResponseOf<M extends Method, P> = P extends keyof paths
  ? [Documented<Op<P, M>>] extends [never]
    ? HandWritten<M, P>
    : Documented<Op<P, M>>
  : HandWritten<M, P>;

/**
 * One typed API call.
 * @example const m = await api('get', '/api/members/{ref}', { path: { ref: 'phone:138…' } }) // Member360
 */
export function api<M extends Method, P extends PathsWith<M>>(method: M, path: P, opts: CallOptions<P, M> = {}): Promise<ResponseOf<M, P>> {
  const o = opts as { path?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown; signal?: AbortSignal };
  return callWithKey<ResponseOf<M, P>>(currentKey, method, buildUrl(path as string, o.path, o.query), o.body, o.signal);
}

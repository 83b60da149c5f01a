// Local HTTP servers that speak the messaging contracts, for tests and benchmarks: a webhook sink that verifies
// signatures and dedupes on Idempotency-Key (single mode) or message id (batch mode), and a scripted provider.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../signature.ts';

export interface SinkRequest {
  n: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  /** Whether X-Siyu-Signature verified against the sink's secret (undefined without a secret). */
  signatureOk?: boolean;
}

/** What the sink answers to request n (1-based); default 200 `{}`. `hang` never answers (for timeouts). */
export interface SinkReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  hang?: boolean;
  /** Answer after this many milliseconds (a slow provider); the message counts as delivered when answered. */
  delayMs?: number;
}

export interface HttpSink {
  url: string;
  /** Every request received, in order (retries included). */
  requests: SinkRequest[];
  /**
   * Messages accepted once each: keyed by Idempotency-Key (single requests) or by each batch element's `id`.
   * Only requests answered 2xx count, as a real provider would only act on those.
   */
  delivered: Map<string, unknown>;
  /** How many times an already-delivered key or id arrived again (deduped). */
  duplicates: number;
  close(): Promise<void>;
}

/**
 * Starts a sink on 127.0.0.1 (random port).
 * @example const sink = await startHttpSink({ secret: 'whsec_test', reply: (r) => (r.n === 1 ? { status: 503 } : {}) });
 */
export async function startHttpSink(opts: { secret?: string; reply?: (r: SinkRequest) => SinkReply; record?: boolean } = {}): Promise<HttpSink> {
  const requests: SinkRequest[] = [];
  const delivered = new Map<string, unknown>();
  const hanging = new Set<ServerResponse>();
  let n = 0;
  const sink = { requests, delivered, duplicates: 0 } as HttpSink;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: any;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const header = req.headers['x-siyu-signature'];
      const r: SinkRequest = {
        n: ++n,
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body,
        json,
        signatureOk: opts.secret ? verifySignature(opts.secret, Array.isArray(header) ? header[0] : header, body).ok : undefined,
      };
      if (opts.record !== false) requests.push(r);
      const reply = opts.reply?.(r) ?? {};
      if (reply.hang) {
        hanging.add(res);
        return;
      }
      if (reply.delayMs) {
        // A provider that acts on the message even when the caller is gone by the time it answers.
        hanging.add(res);
        setTimeout(() => {
          hanging.delete(res);
          answer(r, reply, res);
        }, reply.delayMs);
        return;
      }
      answer(r, reply, res);
    });
  });
  const answer = (r: SinkRequest, reply: SinkReply, res: ServerResponse) => {
    const status = reply.status ?? 200;
    if (status >= 200 && status < 300 && r.signatureOk !== false) {
      const items: [string, unknown][] = Array.isArray(r.json?.messages)
        ? r.json.messages.map((m: any) => [String(m.id), m])
        : [[String(r.headers['idempotency-key'] ?? `req_${r.n}`), r.json ?? r.body]];
      for (const [k, v] of items) {
        if (delivered.has(k)) sink.duplicates++;
        else delivered.set(k, v);
      }
    }
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
    res.end(JSON.stringify(reply.body ?? {}));
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sink.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return sink;
}

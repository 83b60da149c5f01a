// Shared pieces of the load-generator processes: keep-alive JSON POSTs, a seeded generator (runs are repeatable
// and cost nothing per call, unlike Math.random across many workers), and latency percentiles.
import http from 'node:http';

export interface Poster {
  /** POSTs `payload` (JSON text) to `path` and resolves with the status and the response text. */
  post(path: string, payload: string): Promise<{ status: number; body: string }>;
  close(): void;
}

/** A poster over `connections` keep-alive sockets to `base`, sending `authorization` on every request. */
export function keepAlivePoster(base: string, authorization: string, connections: number): Poster {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  return {
    post: (path, payload) =>
      new Promise((resolve, reject) => {
        const req = http.request(new URL(path, base), {
          method: 'POST', agent, headers: { authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end(payload);
      }),
    close: () => agent.destroy(),
  };
}

/** A linear congruential generator in [0, 1) from `seed`. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0) / 4_294_967_296);
}

/** The p-th percentile of ascending `sorted` (NaN when empty). */
export const percentile = (sorted: readonly number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;

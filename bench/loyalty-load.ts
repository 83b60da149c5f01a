// Loyalty load generator (its own process): N keep-alive connections POST /api/loyalty/earn and /redeem (2:1) at
// random members for a fixed time, each with a fresh idempotency key — or, with --batch N, POST /api/loyalty/batch
// with N such operations per request; prints one JSON line with throughput and latency percentiles. Applied (201)
// and refused (409 points.insufficient) operations are both ledger transactions.
import { parseArgs } from 'node:util';
import { keepAlivePoster, percentile, seededRandom } from './support/http-load.ts';

const { values: a } = parseArgs({
  options: {
    url: { type: 'string' },
    key: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '128' },
    members: { type: 'string', default: '10000' },
    prefix: { type: 'string', default: 'lb-' },
    run: { type: 'string', default: String(process.pid) },
    batch: { type: 'string', default: '0' },
  },
});

const seconds = Number(a.seconds), warmup = Number(a.warmup), connections = Number(a.connections), members = Number(a.members), batch = Number(a.batch);
const poster = keepAlivePoster(a.url!, `Bearer ${a.key}`, connections);
let seq = 0;
const next = seededRandom(0x9e3779b9);

const start = performance.now();
const measureFrom = start + warmup * 1000;
const stopAt = measureFrom + seconds * 1000;
const latencies: number[] = [];
const statuses: Record<string, number> = {};
let measured = 0;

function op() {
  const member = `user_id:${a.prefix}${(next() * members) | 0}`;
  const earn = next() < 2 / 3;
  return { type: earn ? 'earn' : 'redeem', member, points: earn ? 10 : 5, idempotency_key: `lb-${a.run}-${++seq}` };
}

async function worker() {
  while (performance.now() < stopAt) {
    const t = performance.now();
    let done: number;
    let ok = 0;
    if (batch > 0) {
      const ops = Array.from({ length: batch }, op);
      try {
        const r = await poster.post('/api/loyalty/batch', JSON.stringify({ operations: ops }));
        if (r.status !== 200) statuses[r.status] = (statuses[r.status] ?? 0) + batch;
        else for (const x of JSON.parse(r.body).results as { status: number }[]) {
          statuses[x.status] = (statuses[x.status] ?? 0) + 1;
          if (x.status === 201 || x.status === 409) ok++;
        }
      } catch {
        statuses[-1] = (statuses[-1] ?? 0) + batch;
      }
      done = performance.now();
    } else {
      const { type, ...body } = op();
      let status = 0;
      try {
        status = (await poster.post(type === 'earn' ? '/api/loyalty/earn' : '/api/loyalty/redeem', JSON.stringify(body))).status;
      } catch {
        status = -1;
      }
      done = performance.now();
      statuses[status] = (statuses[status] ?? 0) + 1;
      if (status === 201 || status === 409) ok = 1;
    }
    if (ok > 0 && t >= measureFrom && done <= stopAt) {
      latencies.push(done - t);
      measured += ok;
    }
  }
}

await Promise.all(Array.from({ length: connections }, worker));
latencies.sort((x, y) => x - y);
process.stdout.write(JSON.stringify({ txPerSecond: measured / seconds, measured, p50: percentile(latencies, 50), p99: percentile(latencies, 99), statuses, connections, batch }) + '\n');
poster.close();

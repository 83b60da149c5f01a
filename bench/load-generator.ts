// Load generator (its own process): N keep-alive connections POST /v1/batch of track events with distinct messageIds
// for a fixed time, then prints one JSON line: events acknowledged, throughput and request latency percentiles.
import { parseArgs } from 'node:util';
import { keepAlivePoster, percentile, seededRandom } from './support/http-load.ts';

const { values: a } = parseArgs({
  options: {
    url: { type: 'string' },
    key: { type: 'string' },
    seconds: { type: 'string', default: '25' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
    batch: { type: 'string', default: '400' },
    users: { type: 'string', default: '100000' },
    run: { type: 'string', default: String(process.pid) },
  },
});

const seconds = Number(a.seconds), warmup = Number(a.warmup), connections = Number(a.connections), batchSize = Number(a.batch), users = Number(a.users);
const poster = keepAlivePoster(a.url!, 'Basic ' + Buffer.from(`${a.key}:`).toString('base64'), connections);
const EVENTS = ['product_view', 'add_to_cart', 'app_open', 'coupon_claimed', 'sign_in', 'share'];
const PRODUCTS = ['SKU1001', 'SKU2001', 'SKU2003', 'SKU3002', 'SKU3003', 'SKU5002'];

let seq = 0;
const next = seededRandom(0x2545f491);

/** One /v1/batch body of track events, each with a fresh messageId, a user of the pool and a small payload. */
function body(): string {
  const now = new Date().toISOString();
  const parts = new Array<string>(batchSize);
  for (let i = 0; i < batchSize; i++) {
    const e = EVENTS[(next() * EVENTS.length) | 0];
    const p = PRODUCTS[(next() * PRODUCTS.length) | 0];
    parts[i] = `{"type":"track","messageId":"bench-${a.run}-${++seq}","userId":"bu${(next() * users) | 0}","event":"${e}","timestamp":"${now}","properties":{"product_id":"${p}","price":19.5,"channel":"app"}}`;
  }
  return `{"batch":[${parts.join(',')}],"sentAt":"${now}"}`;
}

const start = performance.now();
const measureFrom = start + warmup * 1000;
const stopAt = measureFrom + seconds * 1000;
const latencies: number[] = [];
let acked = 0, ackedMeasured = 0, failedRequests = 0, failedEvents = 0;
const statuses: Record<string, number> = {};

async function worker() {
  while (performance.now() < stopAt) {
    const payload = body();
    const t = performance.now();
    let status = 0;
    try {
      status = (await poster.post('/v1/batch', payload)).status;
    } catch {
      status = -1;
    }
    const done = performance.now();
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status === 200) {
      acked += batchSize;
      if (t >= measureFrom && done <= stopAt) {
        latencies.push(done - t);
        ackedMeasured += batchSize;
      }
    } else {
      failedRequests++;
      failedEvents += batchSize;
    }
  }
}

await Promise.all(Array.from({ length: connections }, worker));
latencies.sort((x, y) => x - y);
process.stdout.write(
  JSON.stringify({
    acked,
    ackedMeasured,
    seconds,
    eventsPerSecond: ackedMeasured / seconds,
    requests: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    failedRequests,
    failedEvents,
    statuses,
    connections,
    batch: batchSize,
  }) + '\n',
);
poster.close();

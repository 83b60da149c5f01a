// A lean webhook sink for the broadcast benchmark, run as its own process (`node --import tsx bench/support/webhook-sink.ts`):
// accepts single and batch webhook posts, counts each message id once (duplicates counted apart), keeps a few samples,
// and answers `GET /stats`. Prints "sink listening on <url>" when ready.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const seen = new Set<string>();
const members = new Set<string>();
let duplicates = 0;
let requests = 0;
let first = 0;
let last = 0;
const samples: unknown[] = [];

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url?.startsWith('/stats')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    const cpu = process.cpuUsage();
    res.end(JSON.stringify({ messages: seen.size, members: members.size, duplicates, requests, first, last, samples, cpu_ms: (cpu.user + cpu.system) / 1000 }));
    return;
  }
  if (req.method === 'POST' && req.url?.startsWith('/reset')) {
    seen.clear();
    members.clear();
    duplicates = requests = first = last = 0;
    samples.length = 0;
    res.end('{}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    requests++;
    const now = Date.now();
    first ||= now;
    last = now;
    const json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const msgs = Array.isArray(json.messages) ? json.messages : [json];
    for (const m of msgs) {
      const id = String(m.id ?? req.headers['idempotency-key']);
      if (seen.has(id)) duplicates++;
      else {
        seen.add(id);
        members.add(String(m.member_id));
        if (samples.length < 3) samples.push(m.content);
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`sink listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));

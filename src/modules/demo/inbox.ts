// The demo's message inbox: a webhook endpoint on the loopback interface that accepts what the demo's broadcasts
// and journeys send (single messages or batches) and keeps only counts, so the send pipeline runs end to end on a
// machine without any provider account, and nothing leaves it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoInbox {
  /** The webhook URL to configure on a channel. */
  url: string;
  /** Messages received since start (a batch counts its messages). */
  received(): number;
  close(): Promise<void>;
}

const MAX_BODY = 32 * 1024 * 1024;

/** Starts the inbox on 127.0.0.1 at a free port. */
export async function startDemoInbox(): Promise<DemoInbox> {
  let received = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        return;
      }
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type?: string; messages?: unknown[] };
        const n = body.type === 'ping' ? 0 : Array.isArray(body.messages) ? body.messages.length : 1;
        received += n;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: n }));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid JSON' }));
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/messages`,
    received: () => received,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

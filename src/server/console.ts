// Serves the web console (web/dist, built by `npm run build:web`) at `/`: hashed assets with long caching, and
// index.html for the console's client routes (/members/…, /segments/…) that are not API routes.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where `npm run build:web` writes the console. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Paths that belong to the server, never to the console's client-side routes. */
const SERVER_PREFIXES = ['/api/', '/v1/', '/r/', '/o/', '/docs', '/openapi.json', '/unsubscribe', '/metrics', '/healthz'];

export interface ConsoleHandle {
  /** Answers a GET for a client route with index.html; false when the request is not the console's. */
  fallback(req: FastifyRequest, reply: FastifyReply): boolean;
}

/** Registers the console's static files; with no build present, `/` explains how to build it. */
export async function registerConsole(app: FastifyInstance, dir: string = CONSOLE_DIR): Promise<ConsoleHandle> {
  const indexFile = join(dir, 'index.html');
  const built = existsSync(indexFile);
  if (!built) {
    app.get('/', { schema: { hide: true } }, async (_req, reply) =>
      reply.type('text/plain; charset=utf-8').send('Siyu API is running. The web console is not built: run `npm run build:web` (npm ci does it), then restart.\nAPI docs: /docs\n'),
    );
    return { fallback: () => false };
  }
  const index = readFileSync(indexFile);
  await app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root: dir,
      // One route per built file (no catch-all route that would shadow the API's 404s and auth).
      wildcard: false,
      index: false,
      setHeaders: (res, path) => {
        res.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    scope.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index));
  });
  return {
    fallback(req, reply) {
      const path = req.url.split('?')[0];
      if (req.method !== 'GET' || SERVER_PREFIXES.some((p) => path === p.replace(/\/$/, '') || path.startsWith(p))) return false;
      if (/\.[a-z0-9]+$/i.test(path)) return false; // a missing file, not a client route
      void reply.status(200).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(index);
      return true;
    },
  };
}

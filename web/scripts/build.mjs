// Builds the web console into web/dist when its sources changed since the last build (a hash of every input is
// kept in web/dist/.build-hash). `npm ci` runs it (prepare), and the browser tests call ensureConsoleBuilt().
//   node web/scripts/build.mjs            build if stale
//   node web/scripts/build.mjs --force    build always (npm run build:web)
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WEB = join(ROOT, 'web');
const DIST = join(WEB, 'dist');
const STAMP = join(DIST, '.build-hash');

function files(dir) {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

/** Hash of everything the build reads: sources, HTML, Vite config, the lock file (dependency versions). */
export function sourceHash() {
  const h = createHash('sha256');
  const inputs = [...files(join(WEB, 'src')), join(WEB, 'index.html'), join(WEB, 'vite.config.ts'), join(ROOT, 'package-lock.json')];
  for (const f of inputs) {
    if (!existsSync(f)) continue;
    h.update(relative(ROOT, f)).update('\0').update(readFileSync(f)).update('\0');
  }
  return h.digest('hex');
}

export function isStale() {
  return !existsSync(join(DIST, 'index.html')) || !existsSync(STAMP) || readFileSync(STAMP, 'utf8').trim() !== sourceHash();
}

/** Builds web/dist unless it is current; resolves with whether a build ran and how long it took. */
export async function ensureConsoleBuilt({ force = false, quiet = false } = {}) {
  if (!force && !isStale()) return { built: false, ms: 0 };
  const started = Date.now();
  const { build } = await import('vite');
  // Vite keeps a NODE_ENV it finds set (vitest sets 'test'), which would bundle React's and antd's development builds.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(WEB, 'vite.config.ts'), mode: 'production', logLevel: quiet ? 'error' : 'warn' });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  writeFileSync(STAMP, sourceHash() + '\n');
  return { built: true, ms: Date.now() - started };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force');
  try {
    await import('vite');
  } catch {
    // Production installs without devDependencies have no Vite: the API still runs, `/` explains the build step.
    console.warn('siyu: Vite is not installed (devDependencies omitted?); the web console was not built.');
    process.exit(0);
  }
  const res = await ensureConsoleBuilt({ force });
  console.log(res.built ? `siyu: web console built into web/dist in ${(res.ms / 1000).toFixed(1)} s` : 'siyu: web console is up to date (web/dist)');
}

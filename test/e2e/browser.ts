// Debian's Chromium driven by playwright-core (no browser downloads): headless, sandbox off (CI runs as root), no
// background networking (the machine's closed network refuses it), a fresh profile per launch.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.SIYU_CHROMIUM ?? '/usr/bin/chromium';

export interface Browser {
  context: BrowserContext;
  newPage(): Promise<Page>;
  /** Console errors and uncaught exceptions seen on any page (the console must have none). */
  errors: string[];
  close(): Promise<void>;
}

/** Launches Chromium; throws (never skips) when it is missing: `.ci/run` installs the chromium package. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set SIYU_CHROMIUM`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'siyu-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    locale: 'zh-CN',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      // A refused key is an expected 401 in the sign-in flow; Chromium logs every failed request as an error.
      if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) errors.push(`console: ${m.text()}`);
    });
  };
  context.on('page', watch);
  return {
    context,
    errors,
    async newPage() {
      const p = await context.newPage();
      p.setDefaultTimeout(30_000); // generous: in a full `npm test` the browser shares 2 cores with every other test file
      return p;
    },
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

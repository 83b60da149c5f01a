// One set-up for every browser test: the built console served by a test app on a fresh DuckDB test store, Debian's
// Chromium, and the small page helpers each flow needs (sign in with the admin key, find an antd input by test id).
import type { Page } from 'playwright-core';
import { createTestDb, type TestDb } from '../support/stores.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/port.ts';
import { launchBrowser, type Browser } from './browser.ts';
// @ts-expect-error plain ESM script without types
import { ensureConsoleBuilt } from '../../web/scripts/build.mjs';

/** How long a poll waits for the page to catch up (previews are debounced; CI machines are busy). */
export const WAIT = { timeout: 30_000, interval: 100 };

export interface ConsoleHarness {
  db: TestDb;
  store: Store;
  t: TestApp;
  browser: Browser;
  /** The console's origin, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Opens the console, signs in with the workspace's admin key and waits for `landmark` (the dashboard by default). */
  signIn(page: Page, landmark?: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the console when its sources changed, opens a DuckDB test store and an app listening on a free port, runs
 * `seed` before the browser starts, then launches Chromium. Use in `beforeAll` with a generous timeout.
 */
export async function startConsole(seed?: (h: Omit<ConsoleHarness, 'browser' | 'signIn' | 'close'>) => Promise<void>): Promise<ConsoleHarness> {
  const built = await ensureConsoleBuilt({ quiet: true });
  if (built.built) console.log(`web console built in ${(built.ms / 1000).toFixed(1)} s`);
  const db = await createTestDb('duckdb');
  let store: Store | undefined;
  let t: TestApp | undefined;
  let browser: Browser | undefined;
  const close = async () => {
    await browser?.close();
    await t?.app.close();
    await store?.close();
    await db.cleanup();
  };
  try {
    store = await openStore(db.options);
    t = await createTestApp(store);
    const url = (await t.app.listen({ port: 0, host: '127.0.0.1' })).replace('[::1]', '127.0.0.1');
    await seed?.({ db, store, t, url });
    browser = await launchBrowser();
    const app = t;
    return {
      db,
      store,
      t,
      browser,
      url,
      close,
      async signIn(page, landmark = 'kpi-members') {
        await page.goto(url + '/');
        await page.getByTestId('signin-tab-key').click();
        await page.getByTestId('signin-key').fill(app.adminKey);
        await page.getByTestId('signin-submit').click();
        await page.getByTestId(landmark).waitFor();
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** An input by test id, whether antd put the id on the input itself or on its wrapper. */
export const input = (page: Page, id: string) => page.locator(`input[data-testid="${id}"], [data-testid="${id}"] input`).first();

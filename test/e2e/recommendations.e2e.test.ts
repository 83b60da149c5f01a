// The 商品推荐 console views in Chromium on a DuckDB test store: train from the Recommendations page, read the
// member 360's 推荐商品 card and a product's "also bought" list.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDb, type TestDb } from '../support/stores.ts';
import { createTestApp, type TestApp } from '../support/app.ts';
import { openStore } from '../../src/store/open-store.ts';
import type { Store } from '../../src/store/port.ts';
import { launchBrowser, type Browser } from './browser.ts';
// @ts-expect-error plain ESM script without types
import { ensureConsoleBuilt } from '../../web/scripts/build.mjs';

vi.setConfig({ testTimeout: 180_000 });
/** How long a poll waits for the page to catch up (busy machines). */
const WAIT = { timeout: 30_000, interval: 100 };

describe('recommendations console [duckdb, chromium]', () => {
  let db: TestDb;
  let store: Store;
  let t: TestApp;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    await ensureConsoleBuilt({ quiet: true });
    db = await createTestDb('duckdb');
    store = await openStore(db.options);
    t = await createTestApp(store);
    url = (await t.app.listen({ port: 0, host: '127.0.0.1' })).replace('[::1]', '127.0.0.1');
    const item = (id: string, name: string) => ({ product_id: id, name, category: '茶叶', quantity: 1, unit_price: 50 });
    const orders = [];
    for (let i = 0; i < 10; i++) orders.push({ order_id: `o${i}`, user_id: `r${i}`, items: [item('longjing', '龙井'), item('biluochun', '碧螺春'), ...(i % 2 ? [item('puer', '普洱')] : [])], paid_at: '2024-05-01T04:00:00Z' });
    orders.push({ order_id: 'ox', user_id: 'rx', items: [item('longjing', '龙井')], paid_at: '2024-05-02T04:00:00Z' });
    const r = await t.app.inject({ method: 'POST', url: '/v1/orders', headers: t.write, payload: { orders } as any });
    expect(r.statusCode, r.body).toBe(200);
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.app.close();
    await store?.close();
    await db?.cleanup();
  });

  it('trains from the page, then shows a member\'s recommendations and also-bought', async () => {
    const page = await browser.newPage();
    await page.goto(url + '/');
    await page.getByTestId('signin-tab-key').click();
    await page.getByTestId('signin-key').fill(t.adminKey);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('main-menu').getByText('商品推荐').click();
    await page.getByText('尚未训练', { exact: false }).waitFor();
    await page.getByTestId('train').click();
    const runs = page.getByTestId('recommendations-page').locator('tbody tr');
    await expect.poll(() => runs.count(), WAIT).toBe(2);
    expect(await page.getByTestId('recommendations-page').innerText()).toMatch(/隐式矩阵分解[\s\S]*物品协同过滤|物品协同过滤[\s\S]*隐式矩阵分解/);
    const { member_id } = (await t.app.inject({ method: 'GET', url: '/api/members/user_id:rx/recommendations', headers: t.admin })).json();
    await page.goto(`${url}/members/${member_id}`);
    const card = page.getByTestId('member-recommendations');
    await expect.poll(() => card.innerText(), WAIT).toMatch(/1\.\s*碧螺春[\s\S]*相似会员也买/);
    await card.getByText('碧螺春').click();
    await expect.poll(() => page.getByTestId('also-bought').innerText(), WAIT).toMatch(/龙井\s*10 人同时购买/);
    await page.waitForTimeout(500); // the popover's fade-in
    await page.screenshot({ path: fileURLToPath(new URL('../../docs/screenshots/member-recommendations.png', import.meta.url)) });
  });
});

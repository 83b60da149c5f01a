// The 商品推荐 console views in Chromium on a DuckDB test store: train from the Recommendations page, read the
// member 360's 推荐商品 card and a product's "also bought" list.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startConsole, WAIT, type ConsoleHarness } from './console-harness.ts';

vi.setConfig({ testTimeout: 180_000 });

describe('recommendations console [duckdb, chromium]', () => {
  let h: ConsoleHarness;

  beforeAll(async () => {
    h = await startConsole(async ({ t }) => {
      const item = (id: string, name: string) => ({ product_id: id, name, category: '茶叶', quantity: 1, unit_price: 50 });
      const orders = [];
      for (let i = 0; i < 10; i++) orders.push({ order_id: `o${i}`, user_id: `r${i}`, items: [item('longjing', '龙井'), item('biluochun', '碧螺春'), ...(i % 2 ? [item('puer', '普洱')] : [])], paid_at: '2024-05-01T04:00:00Z' });
      orders.push({ order_id: 'ox', user_id: 'rx', items: [item('longjing', '龙井')], paid_at: '2024-05-02T04:00:00Z' });
      const r = await t.app.inject({ method: 'POST', url: '/v1/orders', headers: t.write, payload: { orders } as any });
      expect(r.statusCode, r.body).toBe(200);
    });
  }, 180_000);

  afterAll(() => h?.close());

  it('trains from the page, then shows a member\'s recommendations and also-bought', async () => {
    const { t, url } = h;
    const page = await h.browser.newPage();
    await h.signIn(page, 'main-menu');
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

// The web console end to end in Debian's Chromium: a real app on a DuckDB test store serves the built console
// (web/dist, rebuilt first when its sources changed), members, orders and events are seeded through the API, and the
// flows run as an operator would: sign in, dashboard, find a member and open the 360 (tags added and removed; a
// message, a journey and a points adjustment in its timeline, filtered by kind),
// build a segment and watch its live count, save it, RFM chart, create a coupon and issue it to a segment (and the
// loyalty program), preview a template and send a broadcast to a local webhook sink and read its report, language
// switch. Screenshots go to docs/screenshots.
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

// In a full `npm test` the browser shares the 2 cores with every other test file: flows get time to finish.
vi.setConfig({ testTimeout: 180_000 });
import type { Page } from 'playwright-core';
import type { TestApp } from '../support/app.ts';
import type { Browser } from './browser.ts';
import { input, startConsole, WAIT, type ConsoleHarness } from './console-harness.ts';
import { SCHEMA_FILE, schemaSource } from '../../web/scripts/openapi-types.ts';
import { startHttpSink, type HttpSink } from '../../src/modules/messaging/testing/http-sink.ts';
import { CHUNK_KIND, START_KIND } from '../../src/modules/broadcasts/runner.ts';

const SHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const DAY = 86_400_000;

/**
 * Opens the rule builder's add-condition menu and picks `item`, until `appears` is on the page: on a loaded CI
 * machine a click on the opening dropdown's item was seen to go nowhere.
 */
async function addCondition(page: Page, item: string, appears: string) {
  const before = await page.getByTestId(appears).count();
  for (let attempt = 1; ; attempt++) {
    // The menu may still be open from the last attempt: clicking its button again would close it.
    if (!(await page.getByTestId(item).isVisible())) await page.getByTestId('add-condition').click();
    await page.getByTestId(item).click();
    try {
      await expect.poll(() => page.getByTestId(appears).count(), { timeout: 10_000, interval: 100 }).toBeGreaterThan(before);
      return;
    } catch (e) {
      if (attempt >= 4) throw e;
    }
  }
}

const PEOPLE = [
  { user_id: 'e2e1', name: '林晓雨', phone: '13800000001', city: '上海', orders: [88, 42, 120] },
  { user_id: 'e2e2', name: '陈子豪', phone: '13800000002', city: '杭州', orders: [35] },
  { user_id: 'e2e3', name: '王思琪', phone: '13800000003', city: '上海', orders: [66, 18] },
  { user_id: 'e2e4', name: '赵一鸣', phone: '13800000004', city: '北京', orders: [] },
  { user_id: 'e2e5', name: '周可欣', phone: '13800000005', city: '成都', orders: [29] },
];

describe('web console [duckdb, chromium]', () => {
  let h: ConsoleHarness;
  let t: TestApp;
  let browser: Browser;
  let url: string;
  let sink: HttpSink;

  beforeAll(async () => {
    h = await startConsole(({ t }) => seed(t));
    ({ t, browser, url } = h);
    sink = await startHttpSink();
    mkdirSync(SHOTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await sink?.close();
    await h?.close();
  });

  const shot = (page: Page, name: string, fullPage = false) => page.screenshot({ path: `${SHOTS}${name}.png`, fullPage });

  const signIn = (page: Page) => h.signIn(page);

  it('the committed API types match the OpenAPI document (run `npm run gen:api` when this fails)', async () => {
    const current = await schemaSource(t.app.swagger() as unknown as Record<string, unknown>);
    expect(readFileSync(SCHEMA_FILE, 'utf8') === current, 'web/src/api/schema.d.ts is stale: run `npm run gen:api`').toBe(true);
  });

  it('signs in with an admin key (refusing a wrong one with its code), shows the workspace and the dashboard', async () => {
    const page = await browser.newPage();
    await page.goto(url + '/members?q=x');
    await page.waitForURL(/\/login\?next=/);
    await page.getByText('登录控制台').waitFor();
    await shot(page, 'sign-in');
    await page.getByTestId('signin-tab-key').click();
    await page.getByTestId('signin-key').fill('sk_wrong_key');
    await page.getByTestId('signin-submit').click();
    await expect.poll(() => page.getByTestId('api-error').textContent(), WAIT).toContain('auth.invalid_key');

    await page.getByTestId('signin-key').fill(t.adminKey);
    await page.getByTestId('signin-submit').click();
    await page.waitForURL(/\/members\?q=x$/); // back where the operator was going
    await page.goto(url + '/');
    await expect.poll(() => page.getByTestId('workspace-name').textContent(), WAIT).toMatch(/^test /);
    // The cards show what the KPI API answers for this month (seeded orders span the last three weeks).
    const kpis = (await t.app.inject({ url: '/api/analytics/kpis', headers: t.admin })).json().kpis as Array<{ metric: string; value: number }>;
    const kpi = (m: string) => String(kpis.find((k) => k.metric === m)!.value);
    await expect.poll(() => page.getByTestId('kpi-members').textContent(), WAIT).toContain('5');
    await expect.poll(() => page.getByTestId('kpi-orders').textContent(), WAIT).toContain(kpi('orders'));
    await page.getByTestId('gmv-table').getByText('新客').waitFor();
    await page.getByTestId('trends-chart').locator('canvas').first().waitFor();
    // The period is in the URL: a shared link opens the same view.
    await page.getByTestId('period-switch').getByText('年').click();
    await page.waitForURL(/period=year/);
    const yearly = (await t.app.inject({ url: '/api/analytics/kpis?period=year', headers: t.admin })).json().kpis as Array<{ metric: string; value: number }>;
    await expect.poll(() => page.getByTestId('kpi-orders').textContent(), WAIT).toContain(String(yearly.find((k) => k.metric === 'orders')!.value));
    await page.getByTestId('period-switch').getByText('月').click();
    await page.waitForTimeout(400); // charts finish their entry animation
    await shot(page, 'dashboard');

    await page.getByTestId('sign-out').click();
    await page.getByTestId('signin-username').waitFor();
    await page.close();
  });

  it('signs in with a password, creates a viewer on the users page, and the viewer sees only what a viewer may', async () => {
    await t.services.access.createUser(t.workspaceId, { username: 'e2e-admin', password: 'e2e admin pass', role: 'admin', display_name: '管理员小王' });
    const page = await browser.newPage();
    await page.goto(url + '/settings/users');
    await page.waitForURL(/\/login\?next=/);
    await page.getByTestId('signin-username').fill('e2e-admin');
    await page.getByTestId('signin-password').fill('wrong password');
    await page.getByTestId('signin-password-submit').click();
    await expect.poll(() => page.getByTestId('api-error').textContent(), WAIT).toContain('auth.invalid_credentials');
    await page.getByTestId('signin-password').fill('e2e admin pass');
    await page.getByTestId('signin-password-submit').click();
    await page.waitForURL(/\/settings\/users$/);
    await expect.poll(() => page.getByTestId('current-user').textContent(), WAIT).toMatch(/管理员小王\s*管理员/);
    await page.getByTestId('users-table').getByText('e2e-admin').waitFor();

    await page.getByTestId('user-new').click();
    await input(page, 'user-username').fill('e2e-viewer');
    await input(page, 'user-display-name').fill('只读小李');
    await input(page, 'user-password').fill('viewer password');
    await page.getByRole('dialog').getByRole('button', { name: /创\s*建/ }).click();
    await page.getByTestId('users-table').getByText('e2e-viewer').waitFor();
    await shot(page, 'settings-users');
    await page.getByTestId('sign-out').click();

    await page.getByTestId('signin-username').fill('e2e-viewer');
    await page.getByTestId('signin-password').fill('viewer password');
    await page.getByTestId('signin-password-submit').click();
    await expect.poll(() => page.getByTestId('current-role').textContent(), WAIT).toBe('只读');
    const menu = page.getByTestId('main-menu');
    await menu.getByText('会员', { exact: true }).waitFor();
    expect(await menu.getByText('API 密钥').count()).toBe(0);
    expect(await menu.getByText('用户', { exact: true }).count()).toBe(0);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('signin-username').waitFor();
    await page.close();
  });

  it('finds a member from the dashboard, opens the 360 and adds and removes a tag', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await input(page, 'dashboard-member-search').fill('13800000001');
    await input(page, 'dashboard-member-search').press('Enter');
    await page.waitForURL(/\/members\?q=13800000001/);
    await page.getByTestId('members-table').getByText('林晓雨').waitFor();
    // The search box also finds by user id (and by name).
    await input(page, 'member-search').fill('e2e2');
    await input(page, 'member-search').press('Enter');
    await page.waitForURL(/\/members\?q=e2e2/);
    await page.getByTestId('members-table').getByText('陈子豪').waitFor();
    expect(await page.getByTestId('members-table').getByText('林晓雨').count()).toBe(0);

    // Filters live in the URL: the list of everyone tagged 会员日 opens from a link.
    await page.goto(url + '/members?tag=' + encodeURIComponent('会员日'));
    await page.getByTestId('members-table').getByText('王思琪').waitFor();
    expect(await page.getByTestId('members-table').getByText('陈子豪').count()).toBe(0);
    await shot(page, 'members');

    // A message to the member (a one-off send through a webhook channel to its own local sink) and a points
    // adjustment: both show up in the 360 timeline next to the orders and events.
    const ok = (r: { statusCode: number; body: string }) => expect(r.statusCode, r.body).toBeLessThan(300);
    const careSink = await startHttpSink();
    try {
      ok(await t.app.inject({ method: 'POST', url: '/api/messaging/channels', headers: t.admin, payload: { name: '会员关怀通道', type: 'webhook', config: { url: careSink.url + '/care' }, options: { retries: 1, backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 5000 } } }));
      const sent = await t.app.inject({ method: 'POST', url: '/api/messaging/send', headers: t.admin, payload: { channel: '会员关怀通道', member: 'phone:13800000003', content: { body: { text: '王思琪，您的会员日礼券已到账' } }, source_key: 'oneoff:e2e-360' } });
      ok(sent);
      // A journey whose send step uses a template: entered by hand, the member gets its message and waits a week.
      ok(await t.app.inject({ method: 'POST', url: '/api/templates', headers: t.admin, payload: { name: '会员关怀', content: { webhook: { body: { text: '{{ member.name }}，感谢您的支持' } } } } }));
      const journey = await t.app.inject({
        method: 'POST', url: '/api/journeys', headers: t.admin,
        payload: { name: '会员关怀旅程', definition: { trigger: { type: 'event', event: 'E2E Care' }, start: 'care', steps: { care: { type: 'send', channel: '会员关怀通道', template: '会员关怀', purpose: 'service', next: 'week' }, week: { type: 'wait', duration: '7d', next: 'done' }, done: { type: 'exit' } } } },
      });
      ok(journey);
      ok(await t.app.inject({ method: 'POST', url: `/api/journeys/${journey.json().id}/publish`, headers: t.admin, payload: {} }));
      ok(await t.app.inject({ method: 'POST', url: `/api/journeys/${journey.json().id}/enter`, headers: t.admin, payload: { members: ['phone:13800000003'] } }));
      await t.services.journeys.idle();
      await expect.poll(() => careSink.delivered.size, WAIT).toBe(2);
    } finally {
      await careSink.close();
    }
    ok(await t.app.inject({ method: 'POST', url: '/api/loyalty/adjust', headers: t.admin, payload: { member: 'phone:13800000003', delta: 20, reason: '客服补偿', operator: 'e2e', idempotency_key: 'e2e-360-adjust' } }));

    await page.getByTestId('members-table').getByText('王思琪').click();
    await page.getByTestId('member-name').getByText('王思琪').waitFor();
    await page.getByTestId('member-timeline').getByText('Order Completed').first().waitFor();
    await page.getByTestId('member-timeline').getByText('Product Viewed').first().waitFor();
    const timeline = page.getByTestId('member-timeline');
    await timeline.getByTestId('timeline-message').getByText('会员关怀通道').first().waitFor();
    await timeline.getByTestId('timeline-points').getByText('+20').waitFor();
    await timeline.getByTestId('timeline-points').getByText('客服补偿', { exact: false }).waitFor();
    await page.getByTestId('member-journeys').getByText('会员关怀旅程').waitFor();
    await page.getByTestId('member-journeys').getByText('进行中').waitFor();
    await timeline.getByTestId('timeline-message').getByText('旅程 · 会员关怀旅程', { exact: false }).waitFor();
    // The kind filter lives in the URL: messages only, then points only (kept across a reload), then everything.
    await page.getByTestId('timeline-filter').getByText('消息', { exact: true }).click();
    await page.waitForURL(/[?&]kind=message/);
    await expect.poll(() => timeline.getAttribute('data-loading'), WAIT).toBe('false');
    await expect.poll(() => timeline.getByTestId('timeline-order').count(), WAIT).toBe(0);
    expect(await timeline.getByTestId('timeline-message').count()).toBe(2);
    await page.getByTestId('timeline-filter').getByText('积分', { exact: true }).click();
    await page.waitForURL(/[?&]kind=points/);
    await page.reload();
    await timeline.getByTestId('timeline-points').getByText('+20').waitFor();
    expect(await timeline.getByTestId('timeline-message').count()).toBe(0);
    expect(await timeline.getByTestId('timeline-event').count()).toBe(0);
    await page.getByTestId('timeline-filter').getByText('全部', { exact: true }).click();
    await expect.poll(() => timeline.getByTestId('timeline-order').count(), WAIT).toBeGreaterThan(0);
    expect(new URL(page.url()).searchParams.get('kind')).toBeNull();

    const tagInput = page.locator('[data-testid="add-tag-select"] input');
    await tagInput.fill('高潜会员');
    await page.locator('.ant-select-item-option').filter({ hasText: '高潜会员' }).waitFor(); // the new tag offered
    await tagInput.press('Enter');
    await page.getByTestId('add-tag-select').locator('.ant-select-selection-item').filter({ hasText: '高潜会员' }).waitFor();
    await tagInput.press('Escape');
    await page.getByTestId('add-tag-submit').click();
    await page.getByTestId('member-tag-高潜会员').waitFor();
    const tagged = await t.app.inject({ url: '/api/members/phone:13800000003', headers: t.admin });
    expect(tagged.json().tags.map((x: { name: string }) => x.name)).toContain('高潜会员');
    await page.waitForTimeout(300);
    await shot(page, 'member-360', true);

    await page.getByTestId('member-tag-会员日').locator('.anticon-close').click();
    await expect.poll(() => page.getByTestId('member-tag-会员日').count(), WAIT).toBe(0);
    const untagged = await t.app.inject({ url: '/api/members/phone:13800000003', headers: t.admin });
    expect(untagged.json().tags.map((x: { name: string }) => x.name)).not.toContain('会员日');
    await page.close();
  });

  it('builds a segment with a live count, saves it and shows it with the RFM chart', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.goto(url + '/segments');
    await page.getByTestId('new-segment').click();
    await page.waitForURL(/\/segments\/new$/);

    await addCondition(page, 'add-orders', 'orders-value');
    // Default: at least 1 order in the last 90 days — the four buyers.
    await expect.poll(() => page.getByTestId('live-count').textContent(), WAIT).toBe('4');
    await input(page, 'orders-value').fill('2');
    await expect.poll(() => page.getByTestId('live-count').textContent(), WAIT).toBe('2');

    await addCondition(page, 'add-attribute', 'value-text');
    await input(page, 'value-text').fill('上海');
    await expect.poll(() => page.getByTestId('live-count').textContent(), WAIT).toBe('2');
    await input(page, 'value-text').fill('杭州');
    await expect.poll(() => page.getByTestId('live-count').textContent(), WAIT).toBe('0');
    await input(page, 'value-text').fill('上海');
    await expect.poll(() => page.getByTestId('live-count').textContent(), WAIT).toBe('2');

    await page.getByTestId('segment-name').fill('上海复购会员');
    await shot(page, 'segment-builder');
    await page.getByTestId('segment-save').click();
    await page.waitForURL(/\/segments\/seg_/);
    const list = await t.app.inject({ url: '/api/segments', headers: t.admin });
    const saved = list.json().data.find((s: { name: string }) => s.name === '上海复购会员');
    expect(saved).toMatchObject({ member_count: 2, rule: { and: [{ orders: { measure: 'count', op: '>=', value: 2 } }, { attribute: 'city', op: '=', value: '上海' }] } });

    await page.goto(url + '/segments');
    await page.getByTestId('segments-table').getByText('上海复购会员').waitFor();
    await page.getByTestId('rfm-compute').click();
    await page.getByTestId('rfm-chart').locator('canvas').waitFor();
    await page.waitForTimeout(400);
    await shot(page, 'segments');
    await page.close();
  });

  /** Picks the option with `text` in the antd Select with test id `id` (again if the click went nowhere under load). */
  async function pick(page: Page, id: string, text: string, search?: string) {
    const select = page.getByTestId(id);
    const option = page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option').filter({ hasText: text }).first();
    for (let attempt = 1; ; attempt++) {
      if (!(await option.isVisible())) await select.click();
      if (search) await page.locator(`[data-testid="${id}"] input`).fill(search);
      await option.click();
      try {
        await select.locator('.ant-select-selection-item').filter({ hasText: text }).first().waitFor({ timeout: 10_000 });
        return;
      } catch (e) {
        if (attempt >= 4) throw e;
      }
    }
  }

  it('creates a coupon template (validated before submit) and issues it to a segment', async () => {
    const ok = (r: { statusCode: number; body: string }) => expect(r.statusCode, r.body).toBeLessThan(300);
    ok(await t.app.inject({ method: 'POST', url: '/api/segments', headers: t.admin, payload: { name: '券发放人群', kind: 'static', members: ['user_id:e2e1', 'user_id:e2e2', 'user_id:e2e3'] } }));
    const page = await browser.newPage();
    await signIn(page);
    await page.goto(url + '/loyalty/coupons');
    await page.getByTestId('coupon-new').click();
    // Empty name and amounts: the form refuses before anything is sent.
    await page.getByTestId('coupon-submit').click();
    await page.locator('.ant-form-item-explain-error').first().waitFor();
    await page.getByTestId('coupon-name').fill('满50减10');
    await input(page, 'coupon-spend').fill('50');
    await input(page, 'coupon-save').fill('60');
    await page.getByTestId('coupon-submit').click();
    await page.getByText('减免金额需小于门槛金额').waitFor();
    await input(page, 'coupon-save').fill('10');
    await input(page, 'coupon-per-member').fill('1');
    await page.getByTestId('coupon-submit').click();
    await page.waitForURL(/\/loyalty\/coupons\/[^/]+$/);
    await page.getByTestId('coupon-title').getByText('满50减10').waitFor();
    const tpl = (await t.app.inject({ url: '/api/coupons/templates/' + encodeURIComponent('满50减10'), headers: t.admin })).json();
    expect(tpl).toMatchObject({ per_member_limit: 1, config: { benefit: { type: 'threshold', spend: 50, save: 10 }, validity: { type: 'after_claim', days: 7 } } });

    await pick(page, 'issue-segment', '券发放人群');
    await expect.poll(() => page.getByTestId('issue-count').textContent(), WAIT).toContain('3');
    await page.getByTestId('issue-submit').click();
    await page.getByTestId('issue-confirm').click();
    await expect.poll(() => page.getByTestId('issue-issued').textContent(), WAIT).toBe('3');
    for (const u of ['e2e1', 'e2e2', 'e2e3']) {
      const held = (await t.app.inject({ url: `/api/members/user_id:${u}/coupons`, headers: t.admin })).json().data as Array<{ template: { name: string }; status: string }>;
      expect(held.filter((c) => c.template.name === '满50减10').map((c) => c.status), u).toEqual(['claimed']);
    }
    const none = (await t.app.inject({ url: '/api/members/user_id:e2e4/coupons', headers: t.admin })).json().data as unknown[];
    expect(none).toEqual([]);
    await page.getByTestId('coupon-funnel').locator('canvas').waitFor();
    await page.waitForTimeout(400);
    await shot(page, 'coupons', true);
    await page.goto(url + '/loyalty/coupons?status=active');
    await page.getByTestId('coupons-table').getByText('满50减10').waitFor();
    await page.getByTestId('coupons-table').getByText('满¥50减¥10').waitFor();

    // The loyalty program starts from the example in the editor; its tiers then show with member counts.
    await page.goto(url + '/loyalty/program');
    await page.getByText('还没有会员计划', { exact: false }).waitFor();
    await page.getByTestId('program-edit').click();
    await page.getByTestId('program-save').click(); // the program form, filled with the example
    await page.getByTestId('tiers-table').getByText('金卡').waitFor();
    // Launching on an existing base: every member is reviewed once and the console says what happened. The
    // confirm click is retried when it went nowhere under load (a second review changes nothing).
    const done = page.getByText(/已评估 [\d,]+ 位会员/);
    const confirm = page.locator('.ant-popconfirm:not(.ant-popover-hidden) .ant-btn-primary');
    await expect.poll(async () => {
      if ((await done.count()) > 0) return true;
      if ((await confirm.count()) > 0) await confirm.click({ timeout: 2_000 }).catch(() => undefined);
      else await page.getByTestId('tiers-review-all').click({ timeout: 2_000 }).catch(() => undefined);
      return false;
    }, { ...WAIT, interval: 500 }).toBe(true);
    await page.goto(url + '/loyalty/program?tab=reports');
    await page.getByTestId('referral-report').getByText('k-factor', { exact: true }).waitFor();
    await page.close();
  });

  it('builds a sequence and a coupons condition visually, with the live count the preview API gives, and reopens them', async () => {
    const ok = (r: { statusCode: number; body: string }) => expect(r.statusCode, r.body).toBeLessThan(300);
    // Two of the three 满50减10 holders look at their coupon after their product view: the sequence's second step.
    for (const u of ['e2e1', 'e2e2']) ok(await t.app.inject({ method: 'POST', url: '/v1/track', headers: t.write, payload: { userId: u, event: 'Coupon Viewed', properties: { template: '满50减10' } } }));
    const page = await browser.newPage();
    await signIn(page);
    await page.goto(url + '/segments/new');
    const step = (i: number) => page.getByTestId(`seq-step-${i}`);
    await addCondition(page, 'add-sequence', 'seq-step-0');
    await step(0).getByTestId('event-name').fill('Product Viewed');
    await step(0).getByTestId('add-filter').click();
    await step(0).getByTestId('filter-0').getByTestId('filter-property').fill('product_id');
    await step(0).getByTestId('filter-0').getByTestId('value-text').fill('SKU1');
    await step(1).getByTestId('event-name').fill('Coupon Viewed');
    await input(page, 'seq-within-hours').fill('48');
    await expect.poll(() => page.getByTestId('live-count').textContent(), WAIT).toBe('2');

    await addCondition(page, 'add-coupons', 'coupons-templates');
    await pick(page, 'coupons-templates', '满50减10');
    await page.keyboard.press('Escape');
    await input(page, 'coupons-expiring').fill('3'); // after-claim coupons of 7 days: none ends within 3 days
    await expect.poll(() => page.getByTestId('live-count').textContent(), WAIT).toBe('0');
    await input(page, 'coupons-expiring').fill('');
    const rule = {
      and: [
        { sequence: { steps: [{ name: 'Product Viewed', where: [{ property: 'product_id', op: '=', value: 'SKU1' }] }, { name: 'Coupon Viewed' }], within_days: 30, within_hours: 48 } },
        { coupons: { op: '>=', value: 1, templates: ['满50减10'] } },
      ],
    };
    const preview = await t.app.inject({ method: 'POST', url: '/api/segments/preview', headers: t.admin, payload: { rule } });
    ok(preview);
    expect(preview.json().count).toBe(2);
    await expect.poll(() => page.getByTestId('live-count').textContent(), WAIT).toBe(String(preview.json().count));

    await page.getByTestId('segment-name').fill('看券未用会员');
    await page.getByTestId('segment-save').click();
    await page.waitForURL(/\/segments\/seg_/);
    const saved = (await t.app.inject({ url: '/api/segments', headers: t.admin })).json().data.find((s: { name: string }) => s.name === '看券未用会员');
    expect(saved.rule).toEqual(rule);
    // Reopened, the rule shows in the visual editors (no JSON fallback) with the same count.
    await page.reload();
    await expect.poll(() => step(0).getByTestId('event-name').inputValue(), WAIT).toBe('Product Viewed');
    expect(await step(0).getByTestId('filter-0').getByTestId('value-text').inputValue()).toBe('SKU1');
    await page.getByTestId('coupons-templates').getByText('满50减10').waitFor();
    await expect.poll(() => page.getByTestId('live-count').textContent(), WAIT).toBe('2');
    await page.close();
  });

  it('previews a template for a member, creates a broadcast and sees it in the report', async () => {
    const ok = (r: { statusCode: number; body: string }) => expect(r.statusCode, r.body).toBeLessThan(300);
    ok(await t.app.inject({ method: 'POST', url: '/api/messaging/channels', headers: t.admin, payload: { name: 'e2e-hook', type: 'webhook', config: { url: sink.url + '/hook' }, options: { retries: 1, backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 5000 } } }));
    // Sends at any hour of the test run: no quiet hours or frequency caps.
    ok(await t.app.inject({ method: 'PUT', url: '/api/consent/guard', headers: t.admin, payload: { quiet_hours: null, caps: [] } }));
    const page = await browser.newPage();
    await signIn(page);
    await page.goto(url + '/engagement/templates/new');
    await page.getByTestId('template-name').fill('开业问候');
    await page.getByTestId('template-content').fill(JSON.stringify({ webhook: { body: { text: '你好 {{ member.name }}，开业快乐', user: '{{ member.user_id }}' } } }, null, 2));
    await pick(page, 'preview-member', '林晓雨', '林晓雨');
    await page.waitForURL(/member=/);
    await expect.poll(() => page.getByTestId('preview-webhook-body').textContent(), WAIT).toContain('你好 林晓雨，开业快乐');
    await shot(page, 'template-preview');
    await page.getByTestId('template-save').click();
    await page.waitForURL(/\/engagement\/templates\/(?!new)[^/?]+/);

    await page.goto(url + '/engagement/broadcasts/new');
    await page.getByTestId('broadcast-submit').click();
    await page.locator('.ant-form-item-explain-error').first().waitFor(); // nothing chosen: refused in the form
    await page.getByTestId('broadcast-name').fill('开业问候群发');
    await pick(page, 'broadcast-segment', '券发放人群');
    await pick(page, 'broadcast-template', '开业问候');
    await pick(page, 'broadcast-channel', 'e2e-hook');
    await page.getByTestId('broadcast-submit').click();
    await page.waitForURL(/\/engagement\/broadcasts\/(?!new)[^/?]+$/);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    // The test app runs no worker: run the broadcast's jobs here until it completes; the page polls its progress.
    await expect.poll(async () => {
      await t.services.jobs.drain({ kinds: [START_KIND, CHUNK_KIND] });
      return (await t.app.inject({ url: `/api/broadcasts/${id}`, headers: t.admin })).json().status;
    }, WAIT).toBe('completed');
    await page.getByTestId('broadcast-status').getByText('已完成').waitFor();
    await expect.poll(() => page.getByTestId('report-sent').textContent(), WAIT).toContain('3');
    const bodies = [...sink.delivered.values()].map((m) => JSON.parse((m as { content: { body: string } }).content.body).text).sort();
    expect(bodies).toEqual(['你好 林晓雨，开业快乐', '你好 王思琪，开业快乐', '你好 陈子豪，开业快乐'].sort());
    await page.waitForTimeout(300);
    await shot(page, 'broadcast-report', true);
    await page.goto(url + '/engagement/broadcasts');
    await page.getByTestId('broadcasts-table').getByText('开业问候群发').waitFor();
    await page.getByTestId('broadcasts-table').getByText('e2e-hook · webhook').waitFor(); // the channel by name
    await page.close();
  });

  it('shows the cohort heatmap, runs a funnel built in the page and shows the RFM grid', async () => {
    const ok = (r: { statusCode: number; body: string }) => expect(r.statusCode, r.body).toBeLessThan(300);
    // Two of the five viewers add to cart after their product view (seeded earlier): the funnel's second step.
    for (const u of ['e2e1', 'e2e3']) ok(await t.app.inject({ method: 'POST', url: '/v1/track', headers: t.write, payload: { userId: u, event: 'Add To Cart', properties: { product_id: 'SKU1' } } }));
    ok(await t.app.inject({ method: 'POST', url: '/api/rfm/compute', headers: t.admin, payload: {} }));
    const page = await browser.newPage();
    await signIn(page);
    await page.getByTestId('main-menu').getByText('数据分析', { exact: true }).click();
    await page.waitForURL(/\/analytics$/);
    await page.getByTestId('cohort-heatmap').locator('canvas').waitFor();
    const cohorts = (await t.app.inject({ url: '/api/analytics/cohorts', headers: t.admin })).json().cohorts as Array<{ cohort: string; size: number }>;
    const filled = cohorts.filter((c) => c.size > 0);
    expect(filled.reduce((n, c) => n + c.size, 0)).toBe(4); // the four buyers, by the month of their first order
    for (const c of filled) await page.getByTestId('cohort-table').locator('tr', { hasText: c.cohort }).getByText(String(c.size), { exact: true }).waitFor();
    await page.getByTestId('cohort-metric').getByText('复购率').click();
    await page.waitForURL(/metric=repurchase/);
    await page.waitForTimeout(300);
    await shot(page, 'analytics-cohort');

    await page.getByTestId('analytics-tabs').getByText('漏斗', { exact: true }).click();
    await page.waitForURL(/tab=funnel/);
    await page.getByTestId('funnel-run').click(); // empty steps: refused in the form
    await page.locator('.ant-form-item-explain-error').first().waitFor();
    await input(page, 'funnel-step-0-event').fill('Product Viewed');
    await input(page, 'funnel-step-1-event').fill('Add To Cart');
    await page.getByTestId('funnel-window').click(); // closes the event suggestions
    await page.getByTestId('funnel-run').click();
    await page.waitForURL(/steps=/); // the built funnel is in the link
    await page.getByTestId('funnel-chart').locator('canvas').waitFor();
    const members = (step: number) => page.getByTestId('funnel-table').locator('tbody tr').nth(step).locator('td').nth(2).textContent();
    await expect.poll(() => members(0), WAIT).toBe('5');
    await expect.poll(() => members(1), WAIT).toBe('2');
    await page.getByTestId('funnel-table').getByText('40%').first().waitFor();
    await page.waitForTimeout(300);
    await shot(page, 'analytics-funnel', true);

    await page.goto(url + '/segments');
    await page.getByTestId('rfm-grid').locator('canvas').waitFor();
    await page.getByTestId('lifecycle-sankey').locator('canvas').waitFor(); // the buyers' flow over the last 30 days
    await page.waitForTimeout(300);
    await page.getByTestId('rfm-grid-card').screenshot({ path: `${SHOTS}rfm-grid.png` });
    await page.close();
  });

  it('builds a journey on the canvas (event → send → exit), shows the server\'s error on the node, publishes it and shows per-step counts', async () => {
    const ok = (r: { statusCode: number; body: string }) => expect(r.statusCode, r.body).toBeLessThan(300);
    ok(await t.app.inject({ method: 'POST', url: '/api/messaging/channels', headers: t.admin, payload: { name: 'journey-hook', type: 'webhook', config: { url: sink.url + '/journey' }, options: { retries: 1, backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 5000 } } }));
    ok(await t.app.inject({ method: 'POST', url: '/api/templates', headers: t.admin, payload: { name: '注册欢迎', content: { webhook: { body: { text: '欢迎 {{ member.name }}' } } } } }));
    ok(await t.app.inject({ method: 'PUT', url: '/api/consent/guard', headers: t.admin, payload: { quiet_hours: null, caps: [] } }));
    const page = await browser.newPage();
    await signIn(page);
    await page.goto(url + '/engagement/journeys');
    await page.getByTestId('journey-new').click();
    await page.waitForURL(/\/engagement\/journeys\/new$/);
    await page.getByTestId('journey-name').fill('注册欢迎旅程');
    await page.getByTestId('trigger-event').fill('Signed Up');
    await page.getByTestId('journey-add-step').click();
    await page.getByTestId('add-step-send').click();
    await page.getByTestId('journey-node-send_1').waitFor({ state: 'attached' });
    // No channel or template yet: the server refuses the draft and its error shows on the send node.
    await page.getByTestId('journey-save').click();
    await expect.poll(() => page.getByTestId('node-error-alert').textContent(), WAIT).toContain('journey.definition_invalid');
    await page.getByTestId('journey-node-send_1').getByTestId('node-error').waitFor();
    await pick(page, 'send-channel', 'journey-hook');
    await pick(page, 'send-template', '注册欢迎');
    // Linked after the selected send step. A click on the menu while the template picker's popup was still closing
    // was seen to go nowhere (once in a full CI run): select the send step again and retry then.
    for (let attempt = 1; ; attempt++) {
      await page.getByTestId('journey-add-step').click();
      await page.getByTestId('add-step-exit').click();
      try {
        await page.getByTestId('journey-node-exit_1').waitFor({ state: 'attached', timeout: 10_000 });
        break;
      } catch (e) {
        if (attempt >= 3 || (await page.locator('[data-testid^="journey-node-exit"]').count()) > 0) throw e;
        await page.keyboard.press('Escape');
        await page.getByTestId('journey-node-send_1').click();
      }
    }
    await page.getByTestId('journey-publish').click();
    await page.getByTestId('journey-publish-confirm').click();
    await page.waitForURL(/\/engagement\/journeys\/jny_/);
    await page.getByTestId('journey-status').getByText('运行中').waitFor();
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const j = (await t.app.inject({ url: `/api/journeys/${id}`, headers: t.admin })).json();
    expect(j).toMatchObject({ name: '注册欢迎旅程', status: 'live', version: 1 });
    expect(j.draft).toEqual({
      trigger: { type: 'event', event: 'Signed Up' }, entry: { reentry: 'after_exit' }, start: 'send_1',
      steps: { send_1: { type: 'send', channel: 'journey-hook', template: '注册欢迎', purpose: 'marketing', next: 'exit_1' }, exit_1: { type: 'exit' } },
    });
    expect(j.definition).toMatchObject({ trigger: { type: 'event', event: 'Signed Up' }, start: 'send_1', steps: { send_1: { type: 'send', next: 'exit_1' }, exit_1: { type: 'exit' } } });

    // A member signs up: the journey sends, and the canvas shows the per-step counts.
    ok(await t.app.inject({ method: 'POST', url: '/v1/track', headers: t.write, payload: { userId: 'e2e5', event: 'Signed Up' } }));
    await expect.poll(async () => {
      await t.app.inject({ method: 'POST', url: '/api/journeys/run', headers: t.admin });
      return (await t.app.inject({ url: `/api/journeys/${id}/stats`, headers: t.admin })).json().totals.entered;
    }, WAIT).toBe(1);
    await page.reload();
    await expect.poll(() => page.getByTestId('journey-node-send_1').getByTestId('node-counts').textContent(), WAIT).toContain('进入 1');
    await page.waitForTimeout(300);
    await shot(page, 'journey-editor', true);
    await page.close();
  });

  it('creates a messaging channel whose secret is never shown back, and opens an empty Community', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.goto(url + '/settings/channels');
    await page.getByTestId('channel-new').click();
    await page.getByTestId('channel-name').fill('e2e-secret-hook');
    await input(page, 'channel-field-url').fill(sink.url + '/secret');
    await input(page, 'channel-secret-secret').fill('s3cret-never-shown');
    await page.getByTestId('channel-submit').click();
    await page.getByTestId('channels-table').getByText('e2e-secret-hook').waitFor();
    await page.reload();
    await page.getByTestId('channel-secrets-e2e-secret-hook').getByText('secret: 已设置').waitFor();
    await page.getByTestId('channel-edit-e2e-secret-hook').click();
    await page.getByTestId('channel-secret-secret-set').waitFor(); // "已设置" with a Replace button, no input holding it
    const values = await page.locator('.ant-modal input').evaluateAll((els) => els.map((e) => (e as unknown as { value: string }).value));
    expect(values).not.toContain('s3cret-never-shown');
    expect(await page.content()).not.toContain('s3cret-never-shown');
    const stored = (await t.app.inject({ url: '/api/messaging/channels/e2e-secret-hook', headers: t.admin })).json();
    expect(stored).toMatchObject({ has_secret: true, config: { secret: '***', url: sink.url + '/secret' } });
    await shot(page, 'settings-channels');
    await page.keyboard.press('Escape');

    await page.goto(url + '/community');
    await page.getByTestId('community-empty').getByText('还没有客户群', { exact: false }).waitFor();
    await shot(page, 'community');
    await page.close();
  });

  it('switches language to English and keeps the choice', async () => {
    const page = await browser.newPage();
    await signIn(page);
    await page.getByTestId('main-menu').getByText('会员', { exact: true }).waitFor();
    await page.getByTestId('lang-switch').getByText('English').click();
    await page.getByTestId('main-menu').getByText('Members', { exact: true }).waitFor();
    await page.reload();
    await page.getByTestId('main-menu').getByText('Dashboard', { exact: true }).waitFor();
    expect(await page.getByTestId('kpi-members').textContent()).toContain('Members');
    await page.getByTestId('lang-switch').getByText('中文').click();
    await page.getByTestId('main-menu').getByText('经营概览', { exact: true }).waitFor();
    await page.close();
    expect(browser.errors).toEqual([]);
  });
});

/** Five members, seven orders over the last weeks, product views, a tag: enough for every page to show data. */
async function seed(t: TestApp) {
  const ok = (r: { statusCode: number; body: string }) => expect(r.statusCode, r.body).toBeLessThan(300);
  ok(await t.app.inject({ method: 'POST', url: '/api/members', headers: t.admin, payload: { members: PEOPLE.map(({ orders: _o, ...p }) => p) } }));
  let n = 0;
  for (const p of PEOPLE) {
    for (const [i, amount] of p.orders.entries()) {
      n++;
      ok(await t.app.inject({
        method: 'POST', url: '/v1/orders', headers: t.write,
        payload: { order_id: `E2E-${n}`, user_id: p.user_id, amount, channel: 'miniprogram', paid_at: new Date(Date.now() - (i * 9 + 1) * DAY).toISOString(), items: [{ product_id: 'SKU1', name: '杨枝甘露', category: '果茶', quantity: 1, amount }] },
      }));
    }
    ok(await t.app.inject({ method: 'POST', url: '/v1/track', headers: t.write, payload: { userId: p.user_id, event: 'Product Viewed', properties: { product_id: 'SKU1' } } }));
  }
  ok(await t.app.inject({ method: 'POST', url: '/api/tags/' + encodeURIComponent('会员日') + '/members', headers: t.admin, payload: { members: ['phone:13800000001', 'phone:13800000003'], create_missing_tag: true } }));
}

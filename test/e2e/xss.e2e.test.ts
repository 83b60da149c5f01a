// Hostile member data in the console (Chromium, DuckDB test store): a member named with an HTML payload, with HTML in
// attributes and event properties, shows as text on the members list and the member 360; an email template whose HTML
// carries scripts previews inside a sandboxed frame. No payload ever runs (`window.__xss` stays undefined).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { startConsole, WAIT, type ConsoleHarness } from './console-harness.ts';

vi.setConfig({ testTimeout: 180_000 });
const NAME = '<img src=x onerror="window.__xss=1">';

describe('console escapes member data [duckdb, chromium]', () => {
  let h: ConsoleHarness;
  let memberId: string;
  let templateId: string;

  beforeAll(async () => {
    h = await startConsole(async ({ t }) => {
      const post = async (path: string, payload: object, headers = t.admin) => {
        const r = await t.app.inject({ method: 'POST', url: path, headers, payload });
        expect(r.statusCode, r.body).toBeLessThan(300);
        return r.json();
      };
      await post('/v1/identify', { userId: 'xss1', traits: { name: NAME, city: '<b onmouseover="window.__xss=2">城</b>', note: '<svg onload="window.__xss=3"></svg>' } }, t.write);
      await post('/v1/track', { userId: 'xss1', event: '<script>window.__xss=4</script>', properties: { html: '<iframe src="javascript:window.parent.__xss=5"></iframe>' } }, t.write);
      const list = await t.app.inject({ url: '/api/members?q=xss1', headers: t.admin });
      memberId = list.json().data[0].id;
      templateId = (
        await post('/api/templates', {
          name: 'xss-email',
          content: { email: { subject: '你好', html: '<script>window.parent.__xss=6</script><img src=x onerror="window.parent.__xss=7"><p>{{ member.name }}</p>' } },
        })
      ).id;
    });
  }, 180_000);

  afterAll(() => h?.close());

  /** No payload ran and none became markup in the console's own document. */
  async function expectInert(page: Page) {
    expect(await page.evaluate(() => (globalThis as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(await page.locator('img[src="x"], svg[onload], b[onmouseover], script:text("__xss")').count()).toBe(0);
  }

  it('shows HTML in member data as text on the members list, the member 360 and in previews, and runs none of it', async () => {
    const { browser, url } = h;
    const page = await browser.newPage();
    await h.signIn(page);

    await page.goto(url + '/members');
    const table = page.getByTestId('members-table');
    await expect.poll(() => table.innerText(), WAIT).toContain(NAME);
    await expectInert(page);

    await table.getByText(NAME).first().click();
    await expect.poll(() => page.getByTestId('member-name').innerText(), WAIT).toBe(NAME);
    await expect.poll(() => page.getByTestId('member-360').innerText(), WAIT).toContain('<b onmouseover=');
    await expectInert(page);

    await page.goto(`${url}/engagement/templates/${templateId}?member=${encodeURIComponent(memberId)}`);
    const frame = page.getByTestId('preview-email-html-frame');
    await frame.waitFor(WAIT);
    expect(await frame.getAttribute('sandbox')).toBe('');
    // The rendered HTML escaped the member's name; the template's own script sits in a frame that runs none.
    expect(await frame.getAttribute('srcdoc')).toContain('&lt;img src=x onerror=');
    await expect.poll(() => page.getByTestId('preview-email-html').innerText(), WAIT).toContain('<script>');
    await page.waitForTimeout(300); // give an (impossible) onerror a chance to fire
    await expectInert(page);
    expect(browser.errors.filter((e) => !/Content Security Policy|Blocked script execution/.test(e))).toEqual([]);
  });
});

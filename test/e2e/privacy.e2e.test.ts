// Privacy and audit in the web console (Debian Chromium, DuckDB test store): from a member's 360 export the personal
// data and erase it with the typed confirmation, then find the request under Settings → 隐私请求 and the change under
// Settings → 审计日志 (filtered), and verify the hash chain.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { input, startConsole, type ConsoleHarness } from './console-harness.ts';

vi.setConfig({ testTimeout: 180_000 });

describe('console privacy and audit [duckdb, chromium]', () => {
  let h: ConsoleHarness;
  let memberId: string;

  beforeAll(async () => {
    h = await startConsole(async ({ t }) => {
      memberId = (await t.services.members.upsert(t.workspaceId, { user_id: 'e2e-p1', phone: '13900009999', name: '隐私测试' }) as { id: string }).id;
    });
  }, 180_000);

  afterAll(() => h?.close());

  it('exports and erases from the member 360, then shows the request and the audit entry', async () => {
    const { t, url } = h;
    const page = await h.browser.newPage();
    await h.signIn(page);

    await page.goto(`${url}/members/${memberId}`);
    await page.getByTestId('privacy-export').click();
    await page.getByText('已导出个人数据').waitFor();
    await page.getByTestId('privacy-erase').click();
    await input(page, 'privacy-erase-reason').fill('工单 DSR-7');
    await input(page, 'privacy-erase-confirm').fill('wrong');
    await page.getByTestId('privacy-erase-ok').click();
    await page.getByText('输入的会员 ID 不一致').waitFor();
    await input(page, 'privacy-erase-confirm').fill(memberId);
    await page.getByTestId('privacy-erase-ok').click();
    await page.getByText('个人数据已删除').waitFor();
    expect((await t.services.members.get(t.workspaceId, memberId)).identities).toEqual([]);

    await page.goto(`${url}/settings/privacy`);
    await page.getByTestId('privacy-requests').getByText('工单 DSR-7').waitFor();

    await page.goto(`${url}/settings/audit`);
    await input(page, 'audit-filter-action').fill('POST /api/privacy');
    await page.keyboard.press('Enter');
    await page.getByTestId('audit-table').getByText('POST /api/privacy/erase').waitFor();
    await page.getByTestId('audit-verify').click();
    await page.getByTestId('audit-verify-result').getByText('哈希链完整').waitFor();
    await page.close();
  });
});

// The 预警 (risk alerts) console pages in Chromium on a DuckDB test store: a complaint spike opens a critical alert,
// the list filters it, the alert page shows the chart and history, it is acknowledged and resolved by hand, and a
// static-threshold hourly monitor is created in the form (按小时 moves the schedule to its hourly default).
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startConsole, type ConsoleHarness } from './console-harness.ts';
import { dailyWithSpike, insertTrackEvents } from '../../src/modules/alerts/testing.ts';

vi.setConfig({ testTimeout: 180_000 });
const D = '2024-06-03';

describe('risk alerts console [duckdb, chromium]', () => {
  let h: ConsoleHarness;

  beforeAll(async () => {
    h = await startConsole(async ({ store, t }) => {
      await insertTrackEvents(store, t.workspaceId, 'complaint', dailyWithSpike(D, 35, 5, 40, 'c'));
      const m = await t.services.alerts.createMonitor(t.workspaceId, {
        name: '客诉激增', metric: 'event_count', params: { event: 'complaint' }, rule: { type: 'anomaly', direction: 'up', weeks: 4, min_history: 3, bands: { warning: 3, critical: 5 }, min_volume: 0 },
        recovery_periods: 1, cooldown_minutes: 360, schedule: null, recipients: [], channels: [], enabled: true,
      } as any);
      await t.services.alerts.evaluate(t.workspaceId, m.id, { as_of: D, dry_run: false });
    });
  }, 180_000);

  afterAll(() => h?.close());

  it('lists the alert, shows its chart and history, acknowledges and resolves it, and creates a monitor in the form', async () => {
    const { browser } = h;
    const page = await browser.newPage();
    await h.signIn(page);
    await page.getByTestId('main-menu').getByText('危机预警').click();
    const table = page.getByTestId('alerts-table');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    expect(await table.locator('tbody').innerText()).toMatch(/严重[\s\S]*客诉激增[\s\S]*2024-06-03[\s\S]*40[\s\S]*待处理/);
    await page.getByTestId('alert-state-filter').getByText('已解决').click();
    await expect.poll(() => table.count()).toBe(0); // nothing resolved yet: the empty state
    await page.getByTestId('alert-state-filter').getByText('全部').click();
    await table.getByText('客诉激增').click();
    await page.getByTestId('alert-title').waitFor();
    await page.getByTestId('alert-chart').locator('canvas').first().waitFor();
    await page.waitForTimeout(2000); // the chart's entry animation
    await page.screenshot({ path: fileURLToPath(new URL('../../docs/screenshots/alert-detail.png', import.meta.url)) });
    await page.getByTestId('alert-ack').click();
    await expect.poll(() => page.getByTestId('alert-state').innerText()).toBe('已确认');
    await page.getByTestId('alert-resolve').click();
    await page.getByTestId('alert-resolve-ok').click();
    await page.getByText('请填写处理说明').waitFor();
    await page.getByTestId('alert-resolve-note').fill('已联系门店处理');
    await page.getByTestId('alert-resolve-ok').click();
    await expect.poll(() => page.getByTestId('alert-state').innerText()).toBe('已解决');
    expect(await page.getByTestId('alert-history').innerText()).toMatch(/触发预警[\s\S]*确认[\s\S]*解决[\s\S]*已联系门店处理/);
    await page.getByText('返回预警列表').click();
    await page.getByRole('tab', { name: '监控规则' }).click();
    await expect.poll(() => page.getByTestId('monitors-table').locator('tbody tr').count()).toBe(1);
    await page.getByTestId('monitor-new').click();
    await page.getByTestId('monitor-form').waitFor();
    await page.getByTestId('monitor-name').fill('退款率过高');
    await page.getByTestId('monitor-metric').click();
    await page.locator('.ant-select-dropdown').getByText('退款率', { exact: true }).click();
    await page.getByTestId('monitor-form').getByText('固定阈值').click();
    await page.getByTestId('monitor-form').getByPlaceholder('警告').fill('0.05');
    await page.getByTestId('monitor-form').getByText('按小时', { exact: true }).click();
    await expect.poll(() => page.getByTestId('monitor-schedule').inputValue()).toBe('5 * * * *');
    await page.getByTestId('monitor-save').click();
    await expect.poll(() => page.getByTestId('monitors-table').locator('tbody tr').count()).toBe(2);
    expect(await page.getByTestId('monitors-table').innerText()).toMatch(/退款率过高\s+退款率\s+固定阈值 · 高于\s+按小时\s+5 \* \* \* \*/);
    expect(browser.errors).toEqual([]);
  });
});

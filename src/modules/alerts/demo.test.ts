// The demo's monitors and generated complaint spike: seeded once, and the spike opens a critical alert.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { DEMO_MONITORS, demoComplaints, seedDemoAlerts } from './demo.ts';

it('demo complaints: busier weekends, a spike on the last day', () => {
  const c = demoComplaints('2024-06-03', 14);
  expect(c).toHaveLength(14);
  expect(c.at(-1)).toEqual({ date: '2024-06-03', n: 45 });
  expect(c.find((x) => x.date === '2024-06-01')!.n).toBeGreaterThanOrEqual(7); // a Saturday
});

forEachStore('alerts demo seed', (ctx) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(ctx.store);
  });
  afterAll(async () => {
    await t?.app.close();
  });

  it('creates the monitors and an open critical complaint alert, once', async () => {
    const ws = t.workspaceId;
    expect(await seedDemoAlerts(t.services, ws)).toBe(0); // no orders: nothing to anchor the demo day on
    await ctx.store.exec(`INSERT INTO orders (workspace_id, id, status, amount, paid_at, created_at, updated_at) VALUES ($1, 'o1', 'paid', 10, $2::TIMESTAMPTZ, $2::TIMESTAMPTZ, $2::TIMESTAMPTZ)`, [ws, '2024-06-03T04:00:00Z']);
    expect(await seedDemoAlerts(t.services, ws)).toBe(DEMO_MONITORS.length);
    const alerts = await t.services.alerts.listAlerts(ws, { limit: 100 });
    expect(alerts.map((a) => [a.monitor_name, a.state, a.severity, a.last_period])).toEqual([['客诉激增', 'open', 'critical', '2024-06-03']]);
    expect(await seedDemoAlerts(t.services, ws)).toBe(0);
  });
});

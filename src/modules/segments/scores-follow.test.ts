// Segments whose rules read stored scores follow each committed RFM run and CLV fit, without a recompute call.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';

async function until(fn: () => Promise<boolean>, ms = 8000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

forEachStore('segments on scores', (ctx) => {
  let t: TestApp;
  const api = (method: string, url: string, payload?: unknown, headers = t.admin) => t.app.inject({ method: method as any, url, headers, payload: payload as any });
  const count = async (id: string) => (await api('GET', `/api/segments/${id}/count`)).json().count as number;

  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    // Eight buyers: u0..u3 bought often and recently, u4..u7 once, long ago.
    const orders = [];
    for (let i = 0; i < 8; i++) {
      const repeat = i < 4 ? 6 : 1;
      for (let k = 0; k < repeat; k++) {
        const day = i < 4 ? 10 + k * 3 : 1;
        orders.push({ order_id: `o-${i}-${k}`, user_id: `u${i}`, amount: i < 4 ? 300 : 20, paid_at: `2026-0${i < 4 ? 9 : 1}-${String(day).padStart(2, '0')}T04:00:00Z` });
      }
    }
    const r = await api('POST', '/v1/orders', { orders }, t.write);
    expect(r.statusCode, r.body).toBe(200);
  });
  afterAll(async () => t?.app.close());

  it('an RFM segment fills after the RFM run and a CLV segment after the fit', async () => {
    const rfm = await api('POST', '/api/segments', { name: 'champions', rule: { rfm_segment: ['important_value'] }, realtime: false });
    expect(rfm.statusCode, rfm.body).toBe(201);
    const clv = await api('POST', '/api/segments', { name: 'likely-alive', rule: { clv: { field: 'p_alive', op: '>', value: 0.5 } }, realtime: false });
    expect(clv.statusCode, clv.body).toBe(201);
    expect(await count(rfm.json().id)).toBe(0);
    expect(await count(clv.json().id)).toBe(0);

    const run = await api('POST', '/api/rfm/compute', { as_of: '2026-10-01' });
    expect(run.statusCode, run.body).toBe(200);
    const champions = (await api('GET', '/api/rfm/distribution')).json().segments.find((s: any) => s.id === 'important_value' || s.segment === 'important_value');
    expect(champions?.count ?? champions?.members).toBeGreaterThan(0);
    expect(await until(async () => (await count(rfm.json().id)) === (champions.count ?? champions.members))).toBe(true);

    const fit = await api('POST', '/api/clv/fit', { calibration_end: '2026-10-01', time_unit: 'day' });
    expect(fit.statusCode, fit.body).toBe(201);
    expect(await until(async () => (await count(clv.json().id)) > 0)).toBe(true);
  });
});

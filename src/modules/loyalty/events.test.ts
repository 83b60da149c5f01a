// Tracked events → points on both engines: event rules with `track` award the app's track calls through the change
// feed (caps at the event's time, shared with API awards), re-sent messages and re-runs award nothing more, filters
// on properties hold, and the earn-events sweep catches events (ingested or imported) whose notification was lost.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { apiOf } from '../../../test/support/import-api.ts';
import { runImport } from '../imports/run-import.ts';
import { loyaltyApp, type LoyaltyTestApp } from './fixture.ts';

const DIR = mkdtempSync(join(tmpdir(), 'siyu-loyalty-events-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

/** Instants relative to today (UTC midnight): the lookback of the first sweep is about received times, not these. */
const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
const at = (dayOffset: number, hours: number) => new Date(today + dayOffset * 86_400_000 + hours * 3_600_000).toISOString();

forEachStore('loyalty tracked events', (ctx) => {
  let t: LoyaltyTestApp;
  beforeAll(async () => {
    t = await loyaltyApp(ctx.store);
    await t.program({
      earn: {
        events: [
          { event: 'sign_in', points: 5, caps: { day: 1 }, track: 'Signed In' },
          { event: 'review', points: 20, caps: { day: 3 }, track: ['Product Reviewed'], where: [{ property: 'rating', op: 'exists' }] },
          { event: 'share', points: 2 },
        ],
      },
      lots: { expiry: { type: 'never' }, pendingDays: 0 },
    });
  });
  afterAll(async () => {
    await t?.noDrift();
    await t?.app.close();
  });

  const userId = () => 'u-' + randomUUID().slice(0, 8);
  const track = async (userId: string, event: string, messageId: string, timestamp: string, properties: Record<string, unknown> = {}) => {
    const r = await t.app.inject({ method: 'POST', url: '/v1/track', headers: t.write, payload: { userId, event, messageId, timestamp, properties } });
    expect(r.statusCode, r.body).toBe(200);
    await t.services.loyalty.events.idle();
  };
  const points = async (u: string) => (await t.api('GET', `/api/loyalty/members/user_id:${u}/points?limit=50`)).body;
  const opResult = async (key: string) => {
    const [r] = await ctx.store.query('SELECT result FROM points_ops WHERE workspace_id = $1 AND idempotency_key = $2', [t.workspaceId, key]);
    return r ? (typeof r.result === 'string' ? JSON.parse(r.result) : r.result) : null;
  };

  it('awards a tracked sign-in once a day (cap at the event time), never again for a re-sent messageId, and the next day again', async () => {
    const u = userId();
    const [m1, m2, m3] = [randomUUID(), randomUUID(), randomUUID()];
    await track(u, 'Signed In', m1, at(-1, 9));
    await track(u, 'Signed In', m2, at(-1, 15));
    let p = await points(u);
    expect(p.balance).toBe(5);
    expect(p.entries.data).toHaveLength(1);
    expect(p.entries.data[0]).toMatchObject({ kind: 'earn', points: 5, reason: 'event:sign_in', idempotency_key: `track:sign_in:${m1}`, created_at: at(-1, 9) });
    // The capped one is recorded too, so neither the listener nor a sweep looks at it again.
    expect((await opResult(`track:sign_in:${m2}`)).detail).toMatchObject({ reason: 'cap_reached', blocked_by: 'day', points: 0 });

    await track(u, 'Signed In', m1, at(-1, 9)); // the SDK retries
    expect((await points(u)).balance).toBe(5);

    await track(u, 'Signed In', m3, at(0, 0.001));
    expect((await points(u)).balance).toBe(10);
    // An API award of the same rule shares its caps.
    const api = await t.api('POST', '/api/loyalty/earn', { member: `user_id:${u}`, event: 'sign_in', idempotency_key: `k-${m3}` });
    expect(api.status, JSON.stringify(api.body)).toBe(201);
    expect(api.body.detail).toMatchObject({ points: 0, reason: 'cap_reached' });
    // The module's keys are reserved.
    expect((await t.api('POST', '/api/loyalty/earn', { member: `user_id:${u}`, points: 1, idempotency_key: `track:sign_in:${randomUUID()}` })).body.code).toBe('ledger.reserved_key');
    p = await points(u);
    expect(p.balance).toBe(10);
  });

  it('awards a review only when its property filter holds; long message ids are hashed into the key', async () => {
    const u = userId();
    await track(u, 'Product Reviewed', randomUUID(), at(-1, 10), { text: 'nice' });
    expect((await points(u)).balance).toBe(0);
    const long = 'm'.repeat(300);
    await track(u, 'Product Reviewed', long, at(-1, 11), { rating: 5 });
    const p = await points(u);
    expect(p.balance).toBe(20);
    expect(p.entries.data[0].idempotency_key).toBe(`track:review:md5:${createHash('md5').update(long).digest('hex')}`);
    // Events no rule tracks and rules without track are left alone.
    await track(u, 'Shared', randomUUID(), at(-1, 12));
    expect((await points(u)).balance).toBe(20);
  });

  it('sweeps events whose change notification was lost (ingested or imported) exactly once, from its watermark', async () => {
    await t.services.loyalty.events.close(); // as if the process died between the events' commit and the listener
    const u2 = userId();
    const u3 = userId();
    const m4 = randomUUID();
    await track(u2, 'Signed In', m4, at(-2, 8));
    const csv = join(DIR, `signins-${ctx.engine}.csv`);
    writeFileSync(csv, `user_id,event,timestamp,message_id\n${u3},Signed In,${at(-30, 8)},imp-${u3}-1\n${u3},Signed In,${at(-30, 20)},imp-${u3}-2\n`);
    const imported = await runImport({ api: apiOf(t), kind: 'events', file: csv, reportPath: join(DIR, `report-${ctx.engine}.csv`) });
    expect(imported).toMatchObject({ imported: 2, eventsInserted: 2 });
    expect((await points(u2)).balance).toBe(0);

    const sweep = await t.api('POST', '/api/loyalty/earn-events');
    expect(sweep.status, JSON.stringify(sweep.body)).toBe(200);
    expect(sweep.body).toMatchObject({ earned: 2, points: 10, capped: 1, failed: 0 });
    expect(sweep.body.swept_at).toBeTruthy();
    expect((await points(u2)).balance).toBe(5);
    expect((await points(u3)).entries.data).toMatchObject([{ points: 5, idempotency_key: `track:sign_in:imp-${u3}-1`, created_at: at(-30, 8) }]);

    // Again, a re-scan from further back and a re-sent message: nothing more.
    expect((await t.api('POST', '/api/loyalty/earn-events', {})).body).toMatchObject({ earned: 0, capped: 0, failed: 0 });
    expect((await t.api('POST', '/api/loyalty/earn-events', { since: at(-3, 0) })).body).toMatchObject({ earned: 0, failed: 0 });
    await track(u2, 'Signed In', m4, at(-2, 8));
    expect((await t.api('POST', '/api/loyalty/earn-events')).body).toMatchObject({ earned: 0 });
    expect((await points(u2)).balance).toBe(5);
    expect((await t.api('POST', '/api/loyalty/earn-events', { since: 'yesterday' })).status).toBe(400);
  });
});

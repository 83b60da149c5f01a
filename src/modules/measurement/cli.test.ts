// `siyu report campaign|campaigns` in-process on both stores: the campaign report as CSV and JSON, the list as CSV.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf, withStore } from '../../../test/support/cli.ts';
import { DEFAULT_WORKSPACE, WorkspaceService } from '../workspaces/service.ts';

const T0 = Date.parse('2025-05-01T00:00:00Z');
const at = (hours: number) => new Date(T0 + hours * 3_600_000).toISOString();

describe.each(ENGINES)('siyu report campaign [%s]', (engine) => {
  let db: TestDb;
  const { tryRun } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    await withStore(db, async (store) => {
      await new WorkspaceService(store).ensureDefault();
      const ws = DEFAULT_WORKSPACE;
      const K = 'broadcast:cli1';
      await store.exec('INSERT INTO measurement_sources (workspace_id, source_key, salt, share, created_at, updated_at) VALUES ($1, $2, $3, 0.5, $4::TIMESTAMPTZ, $4::TIMESTAMPTZ)', [ws, K, 'cli-salt-0001', at(0)]);
      for (const [m, g] of [['mem_C1', 'treatment'], ['mem_C2', 'treatment'], ['mem_C3', 'holdout'], ['mem_C4', 'holdout']]) {
        await store.exec('INSERT INTO measurement_holdouts (workspace_id, source_key, member_id, group_name, assigned_at) VALUES ($1, $2, $3, $4, $5::TIMESTAMPTZ)', [ws, K, m, g, at(0)]);
      }
      for (const m of ['mem_C1', 'mem_C2']) {
        await store.exec(
          `INSERT INTO message_sends (workspace_id, source_key, member_id, id, channel_id, channel_type, state, created_at, updated_at, sent_at)
           VALUES ($1, $2, $3, $4, 'mch_cli', 'webhook', 'sent', $5::TIMESTAMPTZ, $5::TIMESTAMPTZ, $5::TIMESTAMPTZ)`,
          [ws, K, m, `msg_${m}`, at(1)],
        );
      }
      for (const [id, m, amount] of [['oc1', 'mem_C1', 100], ['oc2', 'mem_C3', 50]] as const) {
        await store.exec(
          `INSERT INTO orders (workspace_id, id, member_id, status, amount, paid_at, created_at, updated_at) VALUES ($1, $2, $3, 'paid', $4, $5::TIMESTAMPTZ, $5::TIMESTAMPTZ, $5::TIMESTAMPTZ)`,
          [ws, id, m, amount, at(24)],
        );
      }
    });
  });
  afterAll(async () => db?.cleanup());

  it('prints the report as CSV (one row per metric) and as JSON', async () => {
    const csv = await tryRun(['report', 'campaign', '--source', 'broadcast:cli1']);
    expect(csv.error).toBeUndefined();
    const lines = csv.out.trim().split('\n');
    expect(lines[0]).toBe('metric,treatment,holdout,lift,ci_low,ci_high,method');
    expect(lines).toContain('members,2,2,,,,');
    expect(lines).toContain('sent,2,0,,,,');
    expect(lines).toContain('conversions,1,1,,,,');
    expect(lines).toContain('revenue,100,50,,,,');
    expect(lines.find((l) => l.startsWith('conversion_rate,0.5,0.5,0,'))).toMatch(/,newcombe_hybrid_score$/);
    const json = await tryRun(['report', 'campaign', '--source', 'broadcast:cli1', '--window-days', '3', '--format', 'json']);
    expect(json.error).toBeUndefined();
    expect(JSON.parse(json.out)).toMatchObject({ source_key: 'broadcast:cli1', window_days: 3, audience: 4, reach: 2, conversions: 1, revenue: 100, groups: { holdout: { revenue: 50 } } });
  });

  it('lists campaigns; an unknown source and a bad window fail with the field', async () => {
    const list = await tryRun(['report', 'campaigns']);
    expect(list.error).toBeUndefined();
    const [header, row] = list.out.trim().split('\n');
    expect(header.split(',').slice(0, 3)).toEqual(['source_key', 'window_days', 'audience']);
    expect(row.startsWith('broadcast:cli1,7,4,')).toBe(true);
    const missing = await tryRun(['report', 'campaign', '--source', 'broadcast:none']);
    expect(missing.error?.message).toContain('measurement.campaign_not_found');
    const bad = await tryRun(['report', 'campaign', '--source', 'broadcast:cli1', '--window-days', '0']);
    expect(bad.error?.message).toContain('window_days');
  });
});

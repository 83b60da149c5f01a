// `siyu report …` in-process on both stores: CSV and JSON to stdout or a file, and validation errors with the field.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf, withStore } from '../../../test/support/cli.ts';
import { DEFAULT_WORKSPACE, WorkspaceService } from '../../modules/workspaces/service.ts';
import { HAND, insertRows } from '../../modules/analytics/fixture.ts';

describe.each(ENGINES)('siyu report [%s]', (engine) => {
  let db: TestDb;
  const dir = mkdtempSync(join(tmpdir(), 'siyu-report-cli-'));
  const { tryRun } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    // The CLI's in-process key belongs to the default workspace: seed it, then let go of the store.
    await withStore(db, async (store) => {
      await new WorkspaceService(store).ensureDefault();
      await insertRows(store, DEFAULT_WORKSPACE, HAND);
    });
  });
  afterAll(async () => db?.cleanup());

  it('prints KPIs as CSV by default and as JSON with --format json', async () => {
    const csv = await tryRun(['report', 'kpis', '--period', 'month', '--date', '2024-03-15']);
    expect(csv.error).toBeUndefined();
    const lines = csv.out.trim().split('\n');
    expect(lines[0]).toBe('metric,value,previous,change,change_pct,period_from,period_to,previous_from,previous_to');
    expect(lines).toContain('gmv,440,180,260,1.444444,2024-03-01,2024-03-31,2024-02-01,2024-02-29');
    expect(lines).toContain('repurchase_rate_prev_buyers,1,0.5,0.5,1,2024-03-01,2024-03-31,2024-02-01,2024-02-29');
    const json = await tryRun(['report', 'kpis', '--from', '2024-03-01', '--to', '2024-03-31', '--format', 'json']);
    const body = JSON.parse(json.out);
    expect(body.previous_period).toEqual({ from: '2024-01-30', to: '2024-02-29', days: 31 }); // 31 days just before
    expect(body.kpis.find((k: any) => k.metric === 'buyers')).toMatchObject({ value: 3 });
  });

  it('writes cohorts, GMV, channels and trends to --out files', async () => {
    const file = join(dir, `cohorts-${engine}.csv`);
    const r = await tryRun(['report', 'cohorts', '--from', '2024-01-01', '--to', '2024-03-31', '--as-of', '2024-04-15', '--out', file]);
    expect(r.error).toBeUndefined();
    expect(r.out).toContain(`wrote report cohorts to ${file}`);
    expect(readFileSync(file, 'utf8')).toBe(
      'cohort,size,offset,active,active_rate,repurchasing,repurchase_rate\n' +
        '2024-01-01,2,0,2,1,0,0\n2024-01-01,2,1,1,0.5,1,0.5\n2024-01-01,2,2,2,1,1,0.5\n' +
        '2024-02-01,1,0,1,1,1,1\n2024-02-01,1,1,1,1,1,1\n2024-02-01,1,2,0,0,0,0\n' +
        '2024-03-01,1,0,1,1,0,0\n2024-03-01,1,1,0,0,0,0\n',
    );
    const signup = await tryRun(['report', 'cohorts', '--by', 'signup', '--unit', 'month', '--from', '2024-03-01', '--to', '2024-03-31', '--as-of', '2024-04-15', '--format', 'json']);
    expect(JSON.parse(signup.out)).toMatchObject({ cohort_by: 'signup', cohorts: [{ cohort: '2024-03-01', size: 2 }] });
    const gmv = await tryRun(['report', 'gmv', '--period', 'month', '--date', '2024-03-01']);
    expect(gmv.out.split('\n').slice(0, 4)).toEqual([
      'period,from,to,segment,base,buyers,conversion,orders,orders_per_buyer,aov,spend_per_buyer,gmv,gmv_share',
      'current,2024-03-01,2024-03-31,all,6,3,0.5,4,1.333333,110,146.67,440,1',
      'current,2024-03-01,2024-03-31,new,3,1,0.333333,1,1,200,200,200,0.454545',
      'current,2024-03-01,2024-03-31,returning,3,2,0.666667,3,1.5,80,120,240,0.545455',
    ]);
    const ch = await tryRun(['report', 'channels', '--period', 'month', '--date', '2024-03-01']);
    expect(ch.out).toContain('source,miniprogram,2,0,2,3,240,80,0.5\n');
    expect(ch.out).toContain('source,,1,0,0,0,0,,\n');
    expect(ch.out).toContain('order,wecom,,,1,1,200,200,0\n');
    const tr = await tryRun(['report', 'trends', '--granularity', 'month', '--from', '2024-01-01', '--to', '2024-03-31']);
    expect(tr.out).toBe(
      'date,members,new_members,active_members,buyers,orders,gmv,aov,repurchase_rate\n' +
        '2024-01-01,3,2,2,2,2,150,75,0\n2024-02-01,4,1,3,2,3,180,60,0.5\n2024-03-01,6,2,6,3,4,440,110,0.333333\n',
    );
  });

  it('runs funnels from --step with filters or from a JSON file', async () => {
    const r = await tryRun(['report', 'funnel', '--step', 'view[category=tea]', '--step', 'add_to_cart[category=tea]', '--period', 'month', '--date', '2024-03-01']);
    expect(r.error).toBeUndefined();
    expect(r.out).toBe(
      'step,event,where,members,step_conversion,overall_conversion,median_seconds_from_previous\n' +
        '1,view,"[{""property"":""category"",""op"":""eq"",""value"":""tea""}]",5,1,1,\n' +
        '2,add_to_cart,"[{""property"":""category"",""op"":""eq"",""value"":""tea""}]",3,0.6,0.6,300\n',
    );
    const file = join(dir, 'steps.json');
    writeFileSync(file, JSON.stringify([{ event: 'view' }, { event: 'add_to_cart' }, { event: 'checkout' }]));
    const j = await tryRun(['report', 'funnel', '--steps', file, '--window', '7d', '--from', '2024-03-01', '--to', '2024-03-31', '--format', 'json']);
    expect(JSON.parse(j.out).steps.map((s: any) => s.members)).toEqual([6, 4, 1]);
  });

  it('fails with the code and field on bad input', async () => {
    const range = await tryRun(['report', 'kpis', '--from', '2024-03-10', '--to', '2024-03-01']);
    expect(range.error).toMatchObject({ code: 'analytics.range_invalid', type: 'invalid_data' });
    expect(range.error.message).toContain('(field from)');
    const period = await tryRun(['report', 'channels', '--period', 'fortnight']);
    expect(period.error?.code).toBe('request.invalid');
    expect(period.error.message).toContain('(field querystring.period)');
    const fmt = await tryRun(['report', 'trends', '--format', 'xml']);
    expect(fmt.error).toMatchObject({ code: 'cli.format_invalid', field: 'format' });
    const steps = await tryRun(['report', 'funnel', '--step', 'view']);
    expect(steps.error).toMatchObject({ code: 'analytics.steps_required', field: 'steps' });
  });
});

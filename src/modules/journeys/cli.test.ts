// `siyu journey …` end to end on both stores, in-process (the CLI opens the database itself, as without a server).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { cliRunner, dbArgsOf, jsonFiles, withApp } from '../../../test/support/cli.ts';

describe.each(ENGINES)('siyu journey [%s]', (engine) => {
  let db: TestDb;
  const { dir, file } = jsonFiles('siyu-journey-cli-');
  const { run, tryRun } = cliRunner(() => dbArgsOf(db));

  beforeAll(async () => {
    db = await createTestDb(engine);
    await withApp(db, async ({ app, keyHeaders }) => {
      const headers = await keyHeaders('admin');
      for (const [url, payload] of [
        ['/api/messaging/channels', { name: 'hook', type: 'webhook', config: { url: 'http://127.0.0.1:9/hook' } }],
        ['/api/templates', { name: 'remind', content: { webhook: { body: { text: 'hi {{ member.name }}' } } } }],
      ] as const) {
        const r = await app.inject({ method: 'POST', url, headers, payload });
        expect(r.statusCode, r.body).toBe(201);
      }
    });
  });
  afterAll(async () => db?.cleanup());

  it('lists templates, creates from a play and from a file, publishes, pauses, resumes and shows stats', async () => {
    const templates = await run(['journey', 'templates']);
    expect(templates).toContain('abandoned_cart\t购物车挽回 / Abandoned cart');
    expect(templates).toContain('--param channel=…\trequired');

    expect(await run(['journey', 'create', '--template', 'abandoned_cart', '--param', 'channel=hook', '--param', 'template=remind', '--name', '购物车', '--publish']))
      .toMatch(/^created journey 购物车 \(jny_\w+\) live version 1\n$/);
    const def = { trigger: { type: 'event', event: 'Signed Up' }, start: 'w', steps: { w: { type: 'wait', duration: '1d', next: 'm' }, m: { type: 'send', channel: 'hook', template: 'remind' } } };
    expect(await run(['journey', 'create', '--file', file('welcome', { name: '欢迎', definition: def })])).toMatch(/created journey 欢迎 \(jny_\w+\) draft/);
    expect(await run(['journey', 'publish', '欢迎'])).toBe('published journey 欢迎 version 1 (live)\n');
    expect(await run(['journey', 'list'])).toMatch(/购物车\tlive\tv1\tevent Product Added\tjny_\w+\n欢迎\tlive\tv1\tevent Signed Up\tjny_\w+\n/);
    expect(await run(['journey', 'pause', '欢迎'])).toBe('paused journey 欢迎 (paused)\n');
    expect(await run(['journey', 'resume', '欢迎'])).toBe('resumed journey 欢迎 (live)\n');
    expect(JSON.parse(await run(['journey', 'show', '欢迎'])).definition.steps.m).toMatchObject({ type: 'send', template_version: 1 });
    const stats = await run(['journey', 'stats', '购物车']);
    expect(stats).toContain('购物车 (live, version 1): entered 0');
    expect(stats).toContain('wait_order\twait_event\t0\t0\t0\t0');

    // Manual entry and the run-now command.
    const csv = join(dir, `${engine}-members.csv`);
    writeFileSync(csv, 'user_id,name\ncli-j1,会员一\n');
    await tryRun(['import', 'members', csv]);
    expect(await run(['journey', 'enter', '欢迎', 'user_id:cli-j1', 'user_id:nobody'])).toBe('entered 1 of 2; not found: user_id:nobody\n');
    expect(JSON.parse(await run(['journey', 'enter', '欢迎', 'user_id:cli-j1', '--json']))).toMatchObject({ requested: 1, entered: 0 }); // entered once ever (the default rule)
    expect(JSON.parse(await run(['journey', 'run']))).toEqual(expect.any(Object));
    expect(await run(['journey', 'instances', '欢迎'])).toMatch(/^mem_\w+\tactive\tw\tv1/);

    const bad = await tryRun(['journey', 'create', '--name', 'bad', '--file', file('bad', { ...def, start: 'nope' })]);
    expect(bad.error?.code).toBe('journey.definition_invalid');
    expect(bad.error?.message).toContain('definition.start');

    // Order triggers and goals are plain JSON too.
    const byOrder = { trigger: { type: 'order', min_amount: 100, channels: ['pos'] }, goal: { order: {} }, start: 'w', steps: { w: { type: 'wait', duration: '3d', next: 'm' }, m: { type: 'send', channel: 'hook', template: 'remind' } } };
    expect(await run(['journey', 'create', '--name', '大单关怀', '--file', file('order', byOrder), '--publish'])).toMatch(/created journey 大单关怀 \(jny_\w+\) live version 1/);
    expect(await run(['journey', 'list'])).toMatch(/大单关怀\tlive\tv1\torder\tjny_\w+\n/);
    const badOrder = await tryRun(['journey', 'create', '--name', 'bad-order', '--file', file('bad-order', { ...byOrder, trigger: { type: 'order', min_amount: -5 } })]);
    expect(badOrder.error).toMatchObject({ code: 'journey.definition_invalid' });
    expect(badOrder.error?.message).toContain('definition.trigger.min_amount');
  });
});

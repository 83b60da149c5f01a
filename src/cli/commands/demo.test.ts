// `siyu demo` end to end on both stores: generate once, skip when present, regenerate on --reset, serve with known keys.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, ENGINES, type TestDb } from '../../../test/support/stores.ts';
import { DEFAULT_WORKSPACE } from '../../modules/workspaces/service.ts';
import { demoMarker } from '../../modules/demo/generator.ts';
import { cliRunner, dbArgsOf, withStore } from '../../../test/support/cli.ts';

/** Starts `siyu demo` as a real process and resolves with the banner once it serves. */
function serveDemo(args: string[]): Promise<{ stop: () => Promise<number | null>; out: () => string }> {
  const child = spawn(process.execPath, ['bin/siyu.mjs', 'demo', '--port', '0', ...args], {
    env: { ...process.env, SIYU_ADMIN_KEY: '', SIYU_WRITE_KEY: '', SIYU_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (d) => (text += d));
  child.stderr.on('data', (d) => (text += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (text.includes('Press Ctrl+C')) {
        clearInterval(timer);
        resolve({ out: () => text, stop: () => (child.kill('SIGINT'), exited) });
      }
    }, 100);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`siyu demo exited with ${code}: ${text}`));
    });
  });
}

describe.each(ENGINES)('siyu demo [%s]', (engine) => {
  let db: TestDb;
  const { tryRun: run } = cliRunner(() => dbArgsOf(db));
  const gen = ['--members', '300', '--seed', 'cli', '--end-date', '2026-06-01'];

  beforeAll(async () => {
    db = await createTestDb(engine);
  });
  afterAll(async () => db?.cleanup());

  it('generates once, then finds the demo present; --reset generates again', async () => {
    const first = await run(['demo', '--no-serve', ...gen]);
    expect(first.error).toBeUndefined();
    expect(first.out).toMatch(/Generated [\d,]+ rows in [\d.]+ s .*2024-12-01 … 2026-06-01 \(seed cli\)/);
    const again = await run(['demo', '--no-serve', ...gen]);
    expect(again.out).toContain('Demo data already present (siyu demo seed=cli members=300 end=2026-06-01');
    expect(again.out).not.toContain('Generated');
    const reset = await run(['demo', '--no-serve', '--reset', ...gen, '--members', '200']);
    expect(reset.error).toBeUndefined();
    await withStore(db, async (store) => {
      expect(await demoMarker(store, DEFAULT_WORKSPACE)).toMatchObject({ status: 'completed', description: 'siyu demo seed=cli members=200 end=2026-06-01' });
      const [{ n }] = await store.query<{ n: number }>('SELECT count(*) AS n FROM members WHERE workspace_id = $1 AND merged_into IS NULL', [DEFAULT_WORKSPACE]);
      expect(n).toBe(200);
    });
  }, 120_000);

  it('rejects bad options with stable codes', async () => {
    expect((await run(['demo', '--no-serve', '--reset', '--members', 'lots'])).error?.code).toBe('demo.invalid_members');
    expect((await run(['demo', '--no-serve', '--reset', '--end-date', '1/6/2026'])).error?.code).toBe('demo.invalid_end_date');
  });

  it('serves the demo with the printed keys, like `siyu serve`', async () => {
    await run(['demo', '--no-serve', ...gen]);
    const server = await serveDemo(dbArgsOf(db));
    try {
      const out = server.out();
      const url = /running at (http:\/\/[^\s]+)/.exec(out)![1];
      const ref = /Try member: .* (phone:\d+) —/.exec(out)![1];
      expect(out).toContain(`${url}/docs`);
      const admin = { authorization: 'Bearer sk_admin_demo_chakashiguang' };
      const member: any = await (await fetch(`${url}/api/members/${ref}`, { headers: admin })).json();
      expect(member.traits.order_count).toBeGreaterThan(5);
      const track = await fetch(`${url}/v1/track`, {
        method: 'POST',
        headers: { authorization: 'Basic ' + Buffer.from('wk_demo_chakashiguang:').toString('base64'), 'content-type': 'application/json' },
        body: JSON.stringify({ userId: member.identities.find((i: any) => i.type === 'user_id').value, event: 'product_view', properties: { product_id: 'SKU2001' } }),
      });
      expect(track.status).toBe(200);
      expect((await fetch(`${url}/api/members/${ref}`)).status).toBe(401);
      // The console user admin, created on the first start with the demo password the banner prints.
      expect(out).toContain('sign in as admin / chakashiguang');
      const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'chakashiguang' }) });
      expect(((await login.json()) as any).user).toMatchObject({ username: 'admin', role: 'admin' });
      // the operations setup, made on the first start (src/modules/demo/showcase.test.ts checks what it makes)
      expect(out).toMatch(/Operations setup made in [\d.]+ s: scores and CLV, 7 segments/);
      expect(out).toMatch(/Segments: +重要价值客户 \d+/);
      const segments: any = await (await fetch(`${url}/api/segments`, { headers: admin })).json();
      expect(segments.data).toHaveLength(7);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  }, 120_000);
});

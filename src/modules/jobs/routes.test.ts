// /api/jobs and /api/jobs/schedules over HTTP (app.inject) on both stores.
import { expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';

forEachStore('jobs routes', (ctx) => {
  let t: TestApp;
  const call = async (method: string, url: string, payload?: unknown) => {
    const res = await t.app.inject({ method: method as any, url, headers: t.admin, payload: payload as any });
    return { status: res.statusCode, body: res.body ? res.json() : null };
  };

  it('enqueues, lists with filters and cursor pages, shows, cancels and retries', async () => {
    t = await createTestApp(ctx.store);
    t.services.jobs.register('test.fail', async () => {
      throw new Error('provider down');
    }, { maxAttempts: 1 });

    const bad = await call('POST', '/api/jobs', { kind: 'nope.unknown' });
    expect(bad).toMatchObject({ status: 400, body: { code: 'job.kind_unknown', field: 'kind' } });
    const first = await call('POST', '/api/jobs', { kind: 'jobs.noop', payload: { a: 1 }, key: 'k1' });
    expect(first).toMatchObject({ status: 201, body: { created: true, job: { kind: 'jobs.noop', state: 'queued', key: 'k1', attempt: 0, max_attempts: 5, payload: { a: 1 } } } });
    expect(await call('POST', '/api/jobs', { kind: 'jobs.noop', key: 'k1' })).toMatchObject({ status: 200, body: { created: false, job: { id: first.body.job.id } } });
    for (let i = 0; i < 4; i++) await call('POST', '/api/jobs', { kind: 'jobs.noop', payload: { i }, run_at: '2099-01-01T00:00:00Z' });
    const failing = (await call('POST', '/api/jobs', { kind: 'test.fail' })).body.job;

    await t.services.jobs.drain();
    const dead = await call('GET', `/api/jobs/${failing.id}`);
    expect(dead.body).toMatchObject({ state: 'dead', attempt: 1, last_error: 'provider down' });

    // Pages of 2, newest first, filtered by state.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await call('GET', `/api/jobs?state=queued&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((j: any) => j.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(4);
    expect([...seen].sort().reverse()).toEqual(seen);
    expect((await call('GET', '/api/jobs?state=done,dead')).body.data.map((j: any) => j.state).sort()).toEqual(['dead', 'done']);
    expect((await call('GET', '/api/jobs?kind=test.fail')).body.data).toHaveLength(1);
    expect((await call('GET', '/api/jobs?key=k1')).body.data).toHaveLength(1);
    expect(await call('GET', '/api/jobs?state=bogus')).toMatchObject({ status: 400 });
    expect(await call('GET', '/api/jobs?cursor=xyz')).toMatchObject({ status: 400, body: { code: 'request.invalid_cursor' } });

    const stats = (await call('GET', '/api/jobs/stats')).body;
    expect(stats.counts).toEqual(expect.arrayContaining([{ kind: 'jobs.noop', state: 'queued', count: 4 }, { kind: 'test.fail', state: 'dead', count: 1 }]));
    expect(stats.kinds).toEqual(expect.arrayContaining(['jobs.noop', 'test.fail']));

    // Cancel a queued job; cancelling again is a no-op; a done job cannot be cancelled.
    const target = seen[0];
    expect((await call('POST', `/api/jobs/${target}/cancel`)).body).toMatchObject({ id: target, state: 'cancelled' });
    expect((await call('POST', `/api/jobs/${target}/cancel`)).status).toBe(200);
    expect(await call('POST', `/api/jobs/${first.body.job.id}/cancel`)).toMatchObject({ status: 409, body: { code: 'job.not_cancellable' } });
    // Retry the dead and the cancelled job; a done job cannot be retried.
    expect((await call('POST', `/api/jobs/${failing.id}/retry`)).body).toMatchObject({ state: 'queued', attempt: 0, last_error: 'provider down' });
    expect((await call('POST', `/api/jobs/${target}/retry`)).body).toMatchObject({ state: 'queued' });
    expect(await call('POST', `/api/jobs/${first.body.job.id}/retry`)).toMatchObject({ status: 409, body: { code: 'job.not_retryable' } });
    expect(await call('GET', '/api/jobs/job_01ARZ3NDEKTSV4RRFFQ69G5FAV')).toMatchObject({ status: 404, body: { code: 'job.not_found' } });
    // Jobs of other workspaces are invisible.
    const other = await createTestApp(ctx.store);
    const res = await other.app.inject({ method: 'GET', url: `/api/jobs/${failing.id}`, headers: other.admin });
    expect(res.statusCode).toBe(404);
    await other.app.close();
  });

  it('schedules: create or replace, get, list, patch, delete', async () => {
    const put = await call('PUT', '/api/jobs/schedules/nightly', { cron: '0 3 * * *', kind: 'jobs.noop', payload: { full: true } });
    expect(put).toMatchObject({ status: 200, body: { name: 'nightly', cron: '0 3 * * *', timezone: 'Asia/Shanghai', enabled: true, payload: { full: true } } });
    expect(Date.parse(put.body.next_run_at)).toBeGreaterThan(Date.now());
    expect(await call('PUT', '/api/jobs/schedules/bad', { cron: 'every day', kind: 'jobs.noop' })).toMatchObject({ status: 400, body: { code: 'schedule.cron_invalid', field: 'cron' } });
    expect(await call('PUT', '/api/jobs/schedules/bad', { cron: '* * * * *', kind: 'jobs.noop', extra: 1 })).toMatchObject({ status: 400 });
    expect((await call('PATCH', '/api/jobs/schedules/nightly', { enabled: false })).body).toMatchObject({ enabled: false, next_run_at: null });
    expect((await call('GET', '/api/jobs/schedules/nightly')).body).toMatchObject({ name: 'nightly', enabled: false });
    expect((await call('GET', '/api/jobs/schedules')).body.data.map((s: any) => s.name)).toEqual(['nightly']);
    expect((await call('DELETE', '/api/jobs/schedules/nightly')).status).toBe(204);
    expect(await call('GET', '/api/jobs/schedules/nightly')).toMatchObject({ status: 404, body: { code: 'schedule.not_found' } });
  });

  it('documents the routes under the jobs tag', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.paths['/api/jobs'].get.tags).toEqual(['jobs']);
    expect(doc.paths['/api/jobs/schedules/{name}'].put.tags).toEqual(['jobs']);
    await t.app.close();
  });
});

// The HTTP API of a test app as the import/export client sees it (in-process inject, admin key).
import type { TestApp } from './app.ts';
import type { ImportApi } from '../../src/modules/imports/run-import.ts';

/** An ImportApi over `app.inject`, like the CLI's in-process client. */
export function apiOf(t: TestApp): ImportApi {
  return {
    async request(method, url, body) {
      const res = await t.app.inject({ method: method as any, url, headers: t.admin, payload: body as any });
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
    },
  };
}

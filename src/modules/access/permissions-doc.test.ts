// docs/permissions.md must match the live route table: run `npm run gen:permissions` after adding or changing routes.
// Engine-independent (it reads the route table, no data), so it runs once, on an in-memory DuckDB.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { currentRoutes, DOC_FILE, permissionsDoc } from './permissions-doc.ts';

it('docs/permissions.md is up to date with the routes (npm run gen:permissions)', async () => {
  const want = permissionsDoc(await currentRoutes());
  const have = readFileSync(DOC_FILE, 'utf8');
  expect(have === want, 'docs/permissions.md is stale: run `npm run gen:permissions`').toBe(true);
});

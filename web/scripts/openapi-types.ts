// Generates web/src/api/schema.d.ts (the console's API types) from the app's current OpenAPI document.
// `npm run gen:api` writes it; test/e2e/api-schema.test.ts fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/core/config.ts';
import { openStore } from '../../src/store/open-store.ts';

export const SCHEMA_FILE = fileURLToPath(new URL('../src/api/schema.d.ts', import.meta.url));

/** The OpenAPI document the app serves at /openapi.json, built on a throwaway in-memory store. */
export async function currentOpenApi(): Promise<Record<string, unknown>> {
  const store = await openStore({ dbPath: ':memory:' });
  try {
    const { app } = await buildApp({ store, config: loadConfig({ logLevel: 'silent' }, {}) });
    await app.ready();
    const doc = app.swagger() as unknown as Record<string, unknown>;
    await app.close();
    return doc;
  } finally {
    await store.close();
  }
}

/** The text of schema.d.ts for an OpenAPI document. */
export async function schemaSource(doc: Record<string, unknown>): Promise<string> {
  const ast = await openapiTS(doc as never, { alphabetize: true });
  return '// Generated from /openapi.json by `npm run gen:api` (web/scripts/openapi-types.ts). Do not edit.\n' + astToString(ast);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const src = await schemaSource(await currentOpenApi());
  writeFileSync(SCHEMA_FILE, src);
  console.log(`wrote ${SCHEMA_FILE} (${src.length} bytes)`);
}

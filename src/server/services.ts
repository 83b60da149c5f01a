// Builds every module's service once per process, wired to one store. Routes and the CLI use these.
import type { Config } from '../core/config.ts';
import type { Store } from '../store/port.ts';
import type { Metrics } from './metrics.ts';
import { WorkspaceService } from '../modules/workspaces/service.ts';
import { IdentityService } from '../modules/identity/service.ts';

export interface Services {
  store: Store;
  config: Config;
  metrics: Metrics;
  workspaces: WorkspaceService;
  identity: IdentityService;
  /** Flushes pending work (ingest buffers) and stops background loops. */
  close(): Promise<void>;
}

export function createServices(store: Store, config: Config, metrics: Metrics): Services {
  const workspaces = new WorkspaceService(store);
  const identity = new IdentityService(store);
  const closers: Array<() => Promise<void>> = [];
  return {
    store,
    config,
    metrics,
    workspaces,
    identity,
    async close() {
      for (const c of closers.reverse()) await c();
    },
  };
}

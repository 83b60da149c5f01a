// Child process of the multi-process concurrency test (concurrency.test.ts): opens the same PostgreSQL database as
// the test with its own connection pool and ledger writer, as another `siyu serve` would, and fires redemptions of
// one member at once when the parent says go. Run: node --import tsx concurrency-worker.ts '<json args>'.
// Protocol: prints `ready` once the store is open, waits for `go` on stdin, prints one JSON line with the outcomes.
import { createInterface } from 'node:readline';
import { SiyuError } from '../../core/errors.ts';
import { openStore } from '../../store/open-store.ts';
import { parseStoredConfig } from './config.ts';
import { LedgerService } from './ledger-service.ts';

export interface WorkerArgs {
  databaseUrl: string;
  workspaceId: string;
  memberId: string;
  /** Points each redemption takes. */
  cost: number;
  /** Idempotency keys to redeem under (own keys and keys other workers retry too). */
  keys: string[];
  /** Redemptions in flight at once (default 4). */
  inFlight?: number;
}

/** What happened to one key in this process. */
export interface WorkerOutcome {
  key: string;
  status: 'applied' | 'replayed' | 'refused' | 'error';
  code?: string;
  /** Balance after the operation as its result reports it (applied and replayed). */
  balance?: number;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as WorkerArgs;
  const store = await openStore({ databaseUrl: args.databaseUrl, migrate: false });
  const config = parseStoredConfig(null, 'UTC');
  const ledger = new LedgerService(store, async () => config, { maxDelayMs: 1, maxBatch: 50, maxConcurrent: 4 });
  try {
    await store.query('SELECT 1'); // pool warmed: the redemptions start together, not behind a connect
    process.stdout.write('ready\n');
    await new Promise<void>((resolve) => {
      const rl = createInterface({ input: process.stdin });
      rl.on('line', (l) => {
        if (l.trim() === 'go') {
          rl.close();
          resolve();
        }
      });
    });
    const redeem = async (key: string): Promise<WorkerOutcome> => {
      try {
        const r = await ledger.apply(args.workspaceId, { kind: 'redeem', key, member: args.memberId, points: args.cost, at: new Date().toISOString() });
        return { key, status: r.replayed ? 'replayed' : 'applied', balance: r.balances.find((b) => b.member_id === args.memberId)?.balance };
      } catch (e) {
        const code = e instanceof SiyuError ? e.code : String((e as Error).message ?? e);
        return { key, status: code === 'points.insufficient' ? 'refused' : 'error', code };
      }
    };
    // A few requests in flight at a time, as a server's clients would send them: the processes' commits interleave
    // for the whole run instead of one process taking every point in its first batch.
    const outcomes: WorkerOutcome[] = new Array(args.keys.length);
    let next = 0;
    await Promise.all(Array.from({ length: args.inFlight ?? 4 }, async () => {
      while (next < args.keys.length) {
        const i = next++;
        outcomes[i] = await redeem(args.keys[i]);
      }
    }));
    process.stdout.write(JSON.stringify(outcomes) + '\n');
  } finally {
    await ledger.close();
    await store.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);

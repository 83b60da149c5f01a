import { describe, expect, it } from 'vitest';
import { ConnectionPool } from './connection-pool.ts';

describe('ConnectionPool.drain', () => {
  it('closes a borrowed connection only after its work hands it back, and refuses new and waiting work', async () => {
    const pool = new ConnectionPool(['a']);
    const closed: string[] = [];
    let finish!: () => void;
    const busy = pool.use(() => new Promise<string>((r) => (finish = () => r('done'))));
    const waiting = pool.use(async () => 'never');
    const draining = pool.drain((c) => closed.push(c));
    await expect(waiting).rejects.toThrow('store is closed');
    await expect(pool.use(async () => 'late')).rejects.toThrow('store is closed');
    await new Promise((r) => setTimeout(r, 30));
    expect(closed).toEqual([]); // still borrowed
    finish();
    await expect(busy).resolves.toBe('done');
    await draining;
    expect(closed).toEqual(['a']);
  });

  it('interrupts work that outlasts the grace period, and closes anyway when it never returns', async () => {
    const pool = new ConnectionPool(['a', 'b']);
    const interrupted: string[] = [];
    const closed: string[] = [];
    void pool.use(() => new Promise(() => undefined)); // work that never ends
    await pool.drain((c) => closed.push(c), { interrupt: (c) => interrupted.push(c), graceMs: 20, forceMs: 20 });
    expect(interrupted).toHaveLength(1);
    expect(closed.sort()).toEqual(['a', 'b']);
  });
});

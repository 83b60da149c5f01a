// Unit tests of the group-commit writer: grouping, ack only after commit, failure isolation, shutdown.
import { describe, expect, it } from 'vitest';
import { GroupCommitWriter, type GroupEntry } from './group-commit.ts';

function recorder(opts: { maxBatch?: number; maxDelayMs?: number; maxQueued?: number; fail?: (items: number[]) => boolean } = {}) {
  const commits: number[][] = [];
  let committed = new Set<number>();
  const writer = new GroupCommitWriter<number>({
    maxBatch: opts.maxBatch ?? 100,
    maxDelayMs: opts.maxDelayMs ?? 10,
    maxQueued: opts.maxQueued,
    async commit(entries: GroupEntry<number>[]) {
      const items = entries.flatMap((e) => e.items);
      await new Promise((r) => setTimeout(r, 5));
      if (opts.fail?.(items)) throw new Error('boom');
      commits.push(items);
      committed = new Set([...committed, ...items]);
    },
  });
  return { writer, commits, isCommitted: (n: number) => committed.has(n) };
}

describe('GroupCommitWriter', () => {
  it('commits concurrent requests together and answers each only after its commit', async () => {
    const { writer, commits, isCommitted } = recorder();
    const acks: boolean[] = [];
    await Promise.all([1, 2, 3].map((n) => writer.submit([n, n * 10]).then(() => acks.push(isCommitted(n) && isCommitted(n * 10)))));
    expect(commits).toEqual([[1, 10, 2, 20, 3, 30]]);
    expect(acks).toEqual([true, true, true]);
  });

  it('caps a group at maxBatch items but never splits a request', async () => {
    const { writer, commits } = recorder({ maxBatch: 4 });
    await Promise.all([writer.submit([1, 2, 3]), writer.submit([4, 5]), writer.submit([6, 7, 8, 9, 10, 11])]);
    expect(commits).toEqual([[1, 2, 3], [4, 5], [6, 7, 8, 9, 10, 11]]);
  });

  it('gathers requests that arrive while a commit runs into the next group', async () => {
    const { writer, commits } = recorder({ maxDelayMs: 0 });
    const first = writer.submit([1]);
    await new Promise((r) => setTimeout(r, 1));
    await Promise.all([first, writer.submit([2]), writer.submit([3])]);
    expect(commits).toEqual([[1], [2, 3]]);
  });

  it('isolates a failing request: the others in its group still commit', async () => {
    const { writer, commits } = recorder({ fail: (items) => items.includes(13) });
    const results = await Promise.allSettled([writer.submit([1]), writer.submit([13]), writer.submit([2])]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(commits).toEqual([[1], [2]]);
  });

  it('refuses requests with 429 when too many messages wait', async () => {
    const { writer } = recorder({ maxBatch: 100, maxDelayMs: 50, maxQueued: 8 });
    const waiting = [writer.submit([1, 2, 3]), writer.submit([4, 5, 6])];
    expect(writer.pending).toBe(6);
    await expect(writer.submit([7, 8, 9, 10, 11, 12, 13, 14, 15])).rejects.toMatchObject({ type: 'rate_limited', code: 'ingest.overloaded' });
    await Promise.all(waiting);
    await expect(writer.submit([7, 8, 9, 10, 11, 12, 13, 14, 15])).resolves.toBeUndefined(); // alone it is accepted
  });

  it('commits what is queued on close and refuses later requests', async () => {
    const { writer, commits } = recorder({ maxDelayMs: 1000 });
    const pending = writer.submit([1, 2]);
    expect(writer.pending).toBe(2);
    await writer.close();
    await pending;
    expect(commits).toEqual([[1, 2]]);
    await expect(writer.submit([3])).rejects.toMatchObject({ type: 'unavailable', code: 'ingest.closing' });
  });

  it('runs up to maxConcurrent groups at once and never more', async () => {
    let active = 0;
    let peak = 0;
    const groups: number[][] = [];
    const writer = new GroupCommitWriter<number>({
      maxBatch: 2,
      maxDelayMs: 1,
      maxConcurrent: 2,
      async commit(entries) {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 20));
        groups.push(entries.flatMap((e) => e.items));
        active--;
      },
    });
    await Promise.all([1, 2, 3, 4, 5, 6].map((n) => writer.submit([n])));
    expect(peak).toBe(2);
    expect(groups.flat().sort()).toEqual([1, 2, 3, 4, 5, 6]);
    await writer.close();
    expect(active).toBe(0);
  });
});

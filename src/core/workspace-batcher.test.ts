import { describe, expect, it } from 'vitest';
import { WorkspaceBatcher, withMembers } from './workspace-batcher.ts';

describe('WorkspaceBatcher', () => {
  it('merges work per workspace, runs one batch at a time, and reports a failed batch without stopping the rest', async () => {
    const ran: Array<[string, string[]]> = [];
    const errors: string[] = [];
    let active = 0;
    let overlapped = false;
    const b = new WorkspaceBatcher<Set<string>>({
      delayMs: 5,
      run: async (ws, members) => {
        overlapped ||= active > 0;
        active++;
        await new Promise((r) => setTimeout(r, 10));
        active--;
        if (ws === 'bad') throw new Error('boom');
        ran.push([ws, [...members].sort()]);
      },
      onError: (_e, ws) => errors.push(ws),
    });
    b.add('w1', withMembers(['a', 'b']));
    b.add('bad', withMembers(['x']));
    b.add('w1', withMembers(['b', 'c']));
    b.add('w2', withMembers(['d']));
    await new Promise((r) => setTimeout(r, 8)); // the first batch has started
    b.add('w1', withMembers(['e']));
    await b.idle();
    expect(ran).toEqual([['w1', ['a', 'b', 'c']], ['w2', ['d']], ['w1', ['e']]]);
    expect(errors).toEqual(['bad']);
    expect(overlapped).toBe(false);
  });

  it('idle runs waiting work at once instead of waiting out the delay', async () => {
    const ran: string[] = [];
    const b = new WorkspaceBatcher<number>({ delayMs: 60_000, run: async (ws, n) => void ran.push(`${ws}:${n}`), onError: () => undefined });
    b.add('w', (n = 0) => n + 1);
    b.add('w', (n = 0) => n + 1);
    const t0 = Date.now();
    await b.idle();
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(ran).toEqual(['w:2']);
    await b.idle(); // nothing waits: resolves
  });
});

// Runs one `siyu` command in-process (no child process): stdout captured, the error it ended with returned.
import { vi } from 'vitest';
import { buildProgram } from '../../src/cli/main.ts';

/** @example const { out, error } = await runCli(['tags', 'list', '--db', path]); */
export async function runCli(args: string[]): Promise<{ out: string; error?: any }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
    out += String(chunk);
    return true;
  });
  try {
    await buildProgram().exitOverride().parseAsync(['node', 'siyu', ...args]);
    return { out };
  } catch (error) {
    return { out, error };
  } finally {
    spy.mockRestore();
  }
}

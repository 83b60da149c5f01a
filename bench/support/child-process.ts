// Waiting on the processes a benchmark starts (a `siyu serve`, a load generator): their first matching output
// line, and their exit.
import type { ChildProcess } from 'node:child_process';

/** Resolves with the first match of `pattern` in the child's stdout; rejects on timeout or early exit. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}: ${text}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      text += d;
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.stderr!.on('data', (d) => (text += d));
    child.once('exit', (code) => reject(new Error(`process exited (${code}) before ${pattern}: ${text}`)));
  });
}

/** The child's exit code once it has exited (at once if it already has). */
export const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve)));

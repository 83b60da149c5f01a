// Scheduled recomputes: a croner tick each minute recomputes every segment whose cron is due. Runs only in the
// server process (`siyu serve` starts it); the in-process CLI never does.
import { Cron } from 'croner';

/** Why a cron expression is refused, or null when croner accepts it. */
export function cronError(expr: string): string | null {
  try {
    new Cron(expr, { paused: true });
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * True when a run of `expr` (in time zone `tz`) fell after `last` and at or before `now`: the segment missed a
 * scheduled recompute. Restarts therefore catch up once instead of waiting for the next slot.
 * @example isDue('*\/15 * * * *', '2026-01-01T10:00:00Z', new Date('2026-01-01T10:15:30Z'), 'Asia/Shanghai') // true
 */
export function isDue(expr: string, last: string, now: Date, tz: string): boolean {
  const next = new Cron(expr, { paused: true, timezone: tz }).nextRun(new Date(last));
  return next !== null && next.getTime() <= now.getTime();
}

export interface SchedulerOptions {
  /** Recomputes what is due at `now`; errors are the callee's to log. */
  tick(now: Date): Promise<void>;
  /** The tick's own cron (default: every minute). */
  pattern?: string;
}

/**
 * The periodic driver. `protect` skips a tick while the previous one still runs; `unref` lets the process exit.
 * @example const s = new SegmentScheduler({ tick: (now) => segments.runScheduled(now) }); s.start(); … s.stop();
 */
export class SegmentScheduler {
  private job: Cron | null = null;

  constructor(private readonly opts: SchedulerOptions) {}

  start(): void {
    if (this.job) return;
    this.job = new Cron(this.opts.pattern ?? '* * * * *', { protect: true, unref: true, catch: true }, () => this.opts.tick(new Date()));
  }

  get running(): boolean {
    return this.job !== null && this.job.isRunning();
  }

  stop(): void {
    this.job?.stop();
    this.job = null;
  }
}

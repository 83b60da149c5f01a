// The loyalty jobs on a clock (server process only): every few minutes release pending points, expire due lots and
// sweep orders not yet earned; once per local day give birthday gifts, member-day coupons and review tiers. Every
// job is idempotent by key, so several servers on one PostgreSQL may run them without doubling anything.
import { Cron } from 'croner';
import { localDateOf } from '../../core/loyalty/index.ts';

export interface LoyaltyJobs {
  workspaces(): Promise<string[]>;
  timezoneOf(ws: string): Promise<string>;
  frequent(ws: string, now: Date): Promise<void>;
  daily(ws: string, now: Date): Promise<void>;
}

/**
 * @example const s = new LoyaltyScheduler(jobs, (e, m) => log.error(e, m)); s.start(); … s.stop()
 */
export class LoyaltyScheduler {
  private job: Cron | null = null;
  private readonly lastDaily = new Map<string, string>();

  constructor(private readonly jobs: LoyaltyJobs, private readonly log: (err: unknown, msg: string) => void, private readonly pattern = '*/5 * * * *') {}

  start(): void {
    if (this.job) return;
    this.job = new Cron(this.pattern, { protect: true, unref: true, catch: true }, () => this.tick(new Date()));
  }

  stop(): void {
    this.job?.stop();
    this.job = null;
  }

  /** One round over every workspace with a program (exposed for tests). */
  async tick(now: Date): Promise<void> {
    for (const ws of await this.jobs.workspaces()) {
      try {
        await this.jobs.frequent(ws, now);
        const today = localDateOf(now.getTime(), await this.jobs.timezoneOf(ws));
        if (this.lastDaily.get(ws) !== today) {
          await this.jobs.daily(ws, now);
          this.lastDaily.set(ws, today);
        }
      } catch (e) {
        this.log(e, `loyalty: scheduled jobs of ${ws} failed`);
      }
    }
  }
}

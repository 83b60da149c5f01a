// The campaigns module's service: referral, group-buy, share-assist and bargain, and their jobs (group and session
// expiry, the referral catch-up sweep), run each minute in the server and on demand through the API.
import type { ChangeFeed } from '../../core/change-feed.ts';
import type { Store } from '../../store/port.ts';
import type { IdentityPort } from '../identity/types.ts';
import type { MemberRefs } from '../members/member-refs.ts';
import { GroupBuyService } from './group-buy.ts';
import { HelpService } from './help.ts';
import { mergeCampaigns } from './merge.ts';
import { ReferralService } from './referral.ts';
import { type CouponIssuer, type PointsGranter, RewardGiver } from './rewards.ts';
import { nowIso } from './shared.ts';

export interface CampaignsDeps {
  store: Store;
  refs: MemberRefs;
  changes?: ChangeFeed;
  /** Member merges move campaign data to the survivor (merge.ts). */
  identity?: Pick<IdentityPort, 'onMerge'>;
  /** Looked up at each use, so wiring order does not matter. */
  points: () => PointsGranter | null;
  coupons: () => CouponIssuer | null;
}

type Log = (err: unknown, msg: string) => void;
const JOB_INTERVAL_MS = 60_000;

export class CampaignsService {
  readonly referral: ReferralService;
  readonly groupBuy: GroupBuyService;
  readonly help: HelpService;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private log: Log = () => undefined;

  constructor(private readonly deps: CampaignsDeps) {
    const rewards = new RewardGiver(deps.points, deps.coupons);
    this.referral = new ReferralService(deps.store, deps.refs, rewards);
    this.groupBuy = new GroupBuyService(deps.store, deps.refs, rewards);
    this.help = new HelpService(deps.store, deps.refs, rewards);
    if (deps.changes) this.unsubscribe = this.referral.follow(deps.changes);
    deps.identity?.onMerge('campaigns', (tx, ws, from, into) => mergeCampaigns(tx, ws, from, into));
  }

  setLogger(log: Log): void {
    this.log = log;
    this.referral.log = log;
  }

  /** Runs every job of one workspace once at `at` (default now). */
  async runJobs(ws: string, at?: string) {
    const now = nowIso(at);
    const group_buy = await this.groupBuy.expire(ws, now);
    const help = await this.help.expire(ws, now);
    const referral = await this.referral.sweep(ws);
    return { at: now, group_buy, help, referral };
  }

  /** Starts the minute jobs for every workspace with campaign data (the server process only). */
  startJobs(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), JOB_INTERVAL_MS);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      const rows = await this.deps.store.query<{ workspace_id: string }>(
        `SELECT workspace_id FROM campaign_configs UNION SELECT workspace_id FROM group_buy_deals UNION SELECT workspace_id FROM help_campaigns`,
      );
      for (const r of rows) await this.runJobs(r.workspace_id);
    } catch (e) {
      this.log(e, 'campaign jobs failed; next run in a minute');
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    await this.referral.close();
  }
}

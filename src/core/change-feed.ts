// In-process feed of committed data changes, so derived state (segment membership, later journeys) can follow the
// data within seconds without polling. Publishers call `publish` only after their transaction has committed.

/** What changed for a set of members of one workspace. */
export interface DataChange {
  workspaceId: string;
  /** Members whose data changed (already resolved: merged-away ids are not listed). */
  memberIds: string[];
  /** Track event names newly stored for these members (empty when none). */
  events: string[];
  /** Members created by this write (a rule may hold for a member with no data yet, e.g. "lacks tag VIP"). */
  created?: string[];
  /** Which kinds of member data changed besides events. */
  orders?: boolean;
  /** With `orders`: the ids of the orders written or refunded (journeys' order triggers read just these; absent: any of the members'). */
  orderIds?: string[];
  attributes?: boolean;
  tags?: boolean;
  identities?: boolean;
  /** Members' coupons changed (issued, claimed, used, voided, given back): segment rules on unused coupons. */
  coupons?: boolean;
  /** Members joined or left customer groups, or a group they are in changed its labels (community). */
  groups?: boolean;
  /** Wall-clock time the change was committed (ms since epoch), for latency measurement. */
  committedAt: number;
}

export type ChangeListener = (change: DataChange) => void;

/**
 * A synchronous fan-out of committed changes. Listeners must not throw or block: they queue work of their own.
 * @example feed.subscribe((c) => queue.push(c)); feed.publish({ workspaceId, memberIds, events: ['Signed In'], committedAt: Date.now() })
 */
export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();

  subscribe(fn: ChangeListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  publish(change: DataChange): void {
    if (change.memberIds.length === 0) return;
    for (const fn of this.listeners) {
      try {
        fn(change);
      } catch {
        // a faulty listener must not fail the write that has already committed
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}

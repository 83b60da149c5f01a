// The side effects journey steps ask of other modules, behind one small interface: the engine and its tests see
// this, the service wires it to delivery, coupons, loyalty, tags, members and the segment rule compiler.
import type { DeliveryReport, Purpose } from '../delivery/types.ts';

export interface SendRequest {
  sourceKey: string;
  /** Messaging channel id (pinned at publish). */
  channel: string;
  template: string;
  templateVersion?: number;
  purpose: Purpose;
  memberIds: string[];
  /** Per-member template extras (`coupon` from an earlier issue_coupon step). */
  extras?: Map<string, Record<string, unknown>>;
}

export interface StaffTaskSpec {
  memberId: string;
  type: 'message' | 'call' | 'invite_group';
  script: string | null;
  dueAt: string;
  sourceKey: string;
}

export interface Effects {
  /** One batch through the delivery pipeline (guard → render → at-most-once send). */
  send(ws: string, req: SendRequest): Promise<DeliveryReport>;
  /** One coupon of a template to a member; the same key returns the first coupon. */
  issueCoupon(ws: string, couponTemplate: string, memberId: string, key: string): Promise<Record<string, unknown>>;
  /** Plain points to a member; the same key grants once. */
  grantPoints(ws: string, memberId: string, points: number, key: string, reason: string): Promise<void>;
  /** Adds (creating it if missing) or removes a tag for members. */
  tag(ws: string, tag: string, memberIds: string[], add: boolean): Promise<void>;
  setAttribute(ws: string, memberIds: string[], key: string, value: unknown): Promise<void>;
  /**
   * Tasks for the members' staff, one per spec; the same (sourceKey, member) returns the first task. Resolves with
   * the task ids in spec order, or null when no staff module is present.
   */
  staffTasks(ws: string, specs: StaffTaskSpec[]): Promise<string[] | null>;
  /** Which of `memberIds` a segment rule holds for now. */
  ruleMembers(ws: string, rule: unknown, memberIds: string[], now: Date): Promise<Set<string>>;
}

// Keys that make every journey side effect idempotent, and the deterministic A/B pick. Pure.
//
// - A send's source key is shared by every member passing the same step of the same journey for the same time, so
//   one delivery call serves a whole batch while messaging's UNIQUE (source_key, member) keeps it at most once:
//   `journey:<id>:step:<step>` plus `:k:<instance key>` (keyed instances, e.g. one per cart), `:e<n>` for a member's
//   n-th entry (re-entry) and `:v<n>` for a step reached again after a migration.
// - Other effects (coupon, points) are keyed by the instance and its step counter: `journey:<instance>:<step>:<seq>`.
import { createHash } from 'node:crypto';

const SAFE = /^[A-Za-z0-9_.-]{1,64}$/;

/** A key fragment safe for source keys (no spaces, bounded): itself when short and plain, else a hash. */
export function keyPart(value: string): string {
  return SAFE.test(value) ? value : 'h' + createHash('sha1').update(value).digest('hex').slice(0, 20);
}

/** The measurement source of a journey (its holdout, and the prefix of every send's source key). */
export const journeySource = (journeyId: string) => `journey:${journeyId}`;

/** The at-most-once key of a send step for one instance. */
export function sendSourceKey(journeyId: string, stepId: string, o: { instanceKey: string; entrySeq: number; visit: number }): string {
  let k = `journey:${journeyId}:step:${stepId}`;
  if (o.instanceKey !== '') k += `:k:${keyPart(o.instanceKey)}`;
  if (o.entrySeq > 1) k += `:e${o.entrySeq}`;
  if (o.visit > 1) k += `:v${o.visit}`;
  return k;
}

/** The idempotency key of a coupon issue or points grant: one per (instance, step, visit). */
export const effectKey = (instanceId: string, stepId: string, seq: number) => `journey:${instanceId}:${stepId}:${seq}`;

/** A stable uniform number in [0, 1) from text. */
export function unitHash(text: string): number {
  const h = createHash('sha1').update(text).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000;
}

/**
 * The branch of a weighted split for an instance: deterministic, so a step re-run after a crash picks the same.
 * @example pickBranch([{ name: 'A', weight: 1 }, { name: 'B', weight: 1 }], 'ji_1:split') // 0 or 1
 */
export function pickBranch(branches: readonly { weight: number }[], seed: string): number {
  const total = branches.reduce((s, b) => s + b.weight, 0);
  let x = unitHash(seed) * total;
  for (let i = 0; i < branches.length; i++) {
    x -= branches[i].weight;
    if (x < 0) return i;
  }
  return branches.length - 1;
}

/** The instance key of an entry event: the property's value as text ('' when absent or no key is configured). */
export function instanceKeyOf(key: string | undefined, properties: Record<string, unknown> | null | undefined, read: (p: Record<string, unknown> | null | undefined, path: string) => unknown): string {
  if (!key) return '';
  const v = read(properties, key);
  if (v === undefined || v === null || v === '') return '';
  return typeof v === 'string' ? v.slice(0, 200) : JSON.stringify(v).slice(0, 200);
}

/** The entry key of a stored event (message ids over 128 characters are hashed). */
export const eventEntryKey = (messageId: string) => 'e:' + (messageId.length <= 128 ? messageId : 'h' + createHash('sha1').update(messageId).digest('hex'));

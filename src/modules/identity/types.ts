// Contract of the identity module: turning what a message knows about a person into one member id.
import type { SqlExecutor } from '../../store/port.ts';

/** Identifier types. A value is unique per workspace and type: one owner member. */
export const IDENTITY_TYPES = [
  'user_id',
  'anonymous_id',
  'phone',
  'email',
  'unionid',
  'openid', // value is `${appid}:${openid}` — openids are per app
  'wecom_external_userid',
  'member_card',
  'device_id',
] as const;
export type IdentityType = (typeof IDENTITY_TYPES)[number];

/** Identifiers that merge two members when they turn out to share one. Weak ones only attach. */
export const STRONG_TYPES: ReadonlySet<IdentityType> = new Set(['user_id', 'phone', 'email', 'unionid', 'openid', 'wecom_external_userid', 'member_card']);

export interface IdentityKey {
  type: IdentityType;
  value: string;
  appId?: string | null;
}

/**
 * What one message says about a person. `traits` are Segment identify traits: recognised ones (phone, email,
 * unionid, openid + appid, wecom_external_userid / external_userid, member_card / card_no, device_id, name,
 * gender, birthday, city, region) become identities or attributes; the rest land in `attributes`.
 */
export interface IdentityInput {
  userId?: string | null;
  anonymousId?: string | null;
  /**
   * Segment `alias`: the earlier id (an anonymous id or a previous user id) whose member is merged into the
   * member of `userId`. An explicit merge request, so it merges even when only weak identifiers are involved.
   */
  previousId?: string | null;
  /** Already-typed identifiers (e.g. from an order's `phone`, or an import column). */
  identities?: IdentityKey[];
  traits?: Record<string, unknown> | null;
  /** Source channel of the message (mini-program, app, store…), kept on new members and identities. */
  channel?: string | null;
  /** When it happened (ISO). */
  ts: string;
  /** Apply traits to the member's attributes (identify, member upsert). False for track/order messages. */
  applyTraits?: boolean;
}

export interface ResolveResult {
  /** Member id per input, same order; null only for an input with no usable identifier. */
  memberIds: (string | null)[];
  /** Members created by this call. */
  created: string[];
  /** Merges performed: `from` now points to `into`. */
  merges: { from: string; into: string; reason: string }[];
}

/**
 * Called inside the merge transaction for every module that keeps rows per member, so nothing is lost on merge.
 * Returns how many rows moved (recorded in the merge history).
 */
export type MergeHook = (tx: SqlExecutor, workspaceId: string, fromId: string, intoId: string) => Promise<number>;

export interface IdentityPort {
  /** Resolves every input to a member inside `tx`: creates members, attaches identities, merges, applies traits. */
  resolve(tx: SqlExecutor, workspaceId: string, inputs: IdentityInput[]): Promise<ResolveResult>;
  /** Member id for a ref (`mem_…` id or `type:value`), following merges; null when unknown. */
  findMember(db: SqlExecutor, workspaceId: string, ref: string): Promise<string | null>;
  /** Registers a module's merge hook (orders, tags, …). */
  onMerge(name: string, hook: MergeHook): void;
}

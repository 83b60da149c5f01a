// When a broadcast runs (pure): the moment its audience is taken, each member's send time for "at 10:00 in each
// member's time zone", and how the audience is cut into chunks — time-slotted under a rate limit, so chunks never
// run ahead of their slot whichever worker process picks them up.
import { isTimeZone } from '../jobs/cron.ts';

export type Schedule =
  | { type: 'now' }
  | { type: 'at'; at: string }
  /** `time` (HH:MM) on `date` in each member's own time zone (member attribute `timezone`, else the workspace's). */
  | { type: 'local_time'; date: string; time: string };

/** The earliest and latest UTC offsets in use (Kiribati +14, Baker Island −12): bounds of a local time worldwide. */
const MAX_OFFSET_MS = 14 * 3_600_000;
const MIN_OFFSET_MS = -12 * 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(t: number, tz: string) {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(tz, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
}

/**
 * Epoch ms of local `date` `time` in `tz`, DST-safe: a time shown twice (autumn) is the first; a time skipped by a
 * spring-forward gap is read with the offset before the gap, so it lands as far after the gap as it was into it.
 * @example localTimeMs('2026-12-05', '10:00', 'Asia/Shanghai') // Date.parse('2026-12-05T02:00:00Z')
 */
export function localTimeMs(date: string, time: string, tz: string): number {
  const wall = Date.parse(`${date}T${time}:00Z`);
  const offset = (t: number) => wallClock(t, tz) - Math.floor(t / 1000) * 1000;
  // The offsets in force half a day either side; transitions are further apart than that.
  const before = wall - offset(wall - 43_200_000);
  const after = wall - offset(wall + 43_200_000);
  const shows = (t: number) => wallClock(t, tz) === wall;
  if (shows(before) && shows(after)) return Math.min(before, after);
  if (shows(before)) return before;
  if (shows(after)) return after;
  return before;
}

/** When the audience is taken: now, the given time, or the first moment any time zone reaches the local time. */
export function startTime(s: Schedule, now: Date): Date {
  if (s.type === 'now') return now;
  if (s.type === 'at') return new Date(Math.max(now.getTime(), Date.parse(s.at)));
  return new Date(Math.max(now.getTime(), Date.parse(`${s.date}T${s.time}:00Z`) - MAX_OFFSET_MS));
}

/** Why a schedule cannot run any more (null when it can): a time or local time that has passed everywhere. */
export function scheduleInPast(s: Schedule, now: Date, graceMs = 60_000): string | null {
  if (s.type === 'at' && Date.parse(s.at) < now.getTime() - graceMs) return `schedule.at ${s.at} has passed`;
  if (s.type === 'local_time' && Date.parse(`${s.date}T${s.time}:00Z`) - MIN_OFFSET_MS < now.getTime() - graceMs) return `${s.date} ${s.time} has passed in every time zone`;
  return null;
}

/**
 * Send times of a local-time schedule per time zone in use (members' `timezone` attributes; unknown zones are left
 * out and get `fallback`, the workspace zone's time, like members without one). Null for other schedules.
 */
export function zoneSendTimes(s: Schedule, zones: string[], workspaceTz: string): { zones: { tz: string; send_at: string }[]; fallback: string } | null {
  if (s.type !== 'local_time') return null;
  const at = (tz: string) => new Date(localTimeMs(s.date, s.time, tz)).toISOString();
  return { zones: zones.filter((tz) => isTimeZone(tz)).map((tz) => ({ tz, send_at: at(tz) })), fallback: at(workspaceTz) };
}

export interface SnapshotChunk {
  chunk: number;
  n: number;
  /** The members' local send time (epoch ms), when the schedule has one. */
  sendAt: number | null;
}

/**
 * When each chunk may run: at its members' send time (or now, if that has passed), and under a rate limit of r
 * messages/s chunk k of a send time runs k·size/r seconds later — its one-second slot.
 */
export function slotChunks(chunks: SnapshotChunk[], opts: { size: number; rate: number | null; now: number }): (SnapshotChunk & { runAt: number })[] {
  const index = new Map<number | null, number>();
  return [...chunks]
    .sort((a, b) => a.chunk - b.chunk)
    .map((c) => {
      const k = index.get(c.sendAt) ?? 0;
      index.set(c.sendAt, k + 1);
      const base = Math.max(opts.now, c.sendAt ?? opts.now);
      return { ...c, runAt: opts.rate ? base + Math.round((k * opts.size * 1000) / opts.rate) : base };
    });
}

/** Members per chunk: `size`, or one second's worth under a smaller rate limit. */
export const chunkSizeFor = (size: number, rate: number | null) => Math.max(1, Math.min(size, rate ?? Infinity));

/**
 * The fallback holdout draw (when no measurement module records one): a member is held out when a hash of the
 * source and member falls under `share` — uniform, and the same on every re-run of the same start.
 */
export function inHoldout(sourceKey: string, memberId: string, share: number): boolean {
  if (share <= 0) return false;
  let h = 0x811c9dc5;
  const s = sourceKey + '\u0000' + memberId;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final avalanche so ids that differ in their last characters spread over the whole range.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296 < share;
}

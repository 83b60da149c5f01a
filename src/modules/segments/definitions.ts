// Pure rules about segment definitions: how the API shows one, which schedule applies, rule and reference checks,
// member-page cursors and the module's typed errors. No I/O.
import { invalid, notFound, SiyuError } from '../../core/errors.ts';
import { parseRule, ruleDeps, type Rule, type RuleDeps } from './rules/index.ts';
import { pathTo, readsOf, refPaths, resolveRef } from './graph.ts';
import { nodeOf, type SegmentDef } from './engine.ts';
import type { RunRecord } from './membership-sql.ts';
import type { RunRow } from './repo.ts';
import { cronError } from './scheduler.ts';

/** A segment as the API shows it. */
export interface SegmentView {
  id: string;
  name: string;
  description: string | null;
  kind: 'dynamic' | 'static';
  rule: unknown;
  realtime: boolean;
  schedule: string | null;
  /** The cron scheduled recomputes follow (own schedule, or the default for time-relative rules), or null. */
  effective_schedule: string | null;
  time_relative: boolean;
  member_count: number;
  version: number;
  last_computed_at: string | null;
  created_at: string;
  updated_at: string;
}

export const DEFAULT_SCHEDULE = '*/15 * * * *';

/**
 * The cron a segment's scheduled recomputes follow: its own, else `fallback` for dynamic rules that drift with the
 * clock, read scores (written by score runs), or are not realtime; null when none applies.
 */
export function effectiveSchedule(d: SegmentDef, fallback: string): string | null {
  if (d.row.schedule) return d.row.schedule;
  if (d.row.kind !== 'dynamic' || !d.deps) return null;
  return d.deps.timeRelative || d.deps.scores || !d.row.realtime ? fallback : null;
}

export function segmentView(d: SegmentDef, fallbackSchedule: string): SegmentView {
  const r = d.row;
  return {
    id: r.id, name: r.name, description: r.description, kind: r.kind, rule: r.rule, realtime: r.realtime, schedule: r.schedule,
    effective_schedule: effectiveSchedule(d, fallbackSchedule), time_relative: d.deps?.timeRelative ?? false,
    member_count: r.member_count, version: r.version, last_computed_at: r.last_computed_at, created_at: r.created_at, updated_at: r.updated_at,
  };
}

/** A run as the API shows it. */
export const runView = (r: RunRecord | RunRow) =>
  'segmentId' in r
    ? { id: r.id, segment_id: r.segmentId, trigger: r.trigger, started_at: r.startedAt, finished_at: r.finishedAt, member_count: r.memberCount, entered: r.entered, exited: r.exited, duration_ms: r.durationMs }
    : r;

/** 400 `segment.schedule_invalid` unless croner accepts the expression. */
export function checkSchedule(schedule: string | null | undefined): void {
  if (!schedule) return;
  const why = cronError(schedule);
  if (why) throw invalid('segment.schedule_invalid', `schedule "${schedule}" is not a cron expression: ${why}`, 'schedule');
}

/**
 * Parses a rule and checks its in_segment refs among the workspace's segments: each must name a segment, and none
 * may lead back to the segment being saved (`self`). Errors point at the offending node (`rule.and[1].in_segment`).
 */
export function checkRule(raw: unknown, defs: SegmentDef[], self: { id?: string; name?: string }): { rule: Rule; deps: RuleDeps } {
  const rule = parseRule(raw, 'rule');
  const deps = ruleDeps(rule);
  const reads = readsOf(defs.map(nodeOf));
  const nameOf = (id: string) => defs.find((d) => d.row.id === id)?.row.name ?? id;
  for (const ref of deps.segments) {
    const at = refPaths(raw, ref)[0] ?? 'rule';
    const target = resolveRef(defs.map((d) => d.row), ref);
    const selfName = self.name ?? '';
    if ((!target && ref === self.name) || (self.id && target?.id === self.id)) {
      throw invalid('segment.rule_cycle', `Segment ${selfName} cannot contain itself (${at})`, at);
    }
    if (!target) throw invalid('segment.reference_not_found', `${at} names segment ${ref}, which does not exist`, at);
    const loop = self.id ? pathTo(reads, target.id, self.id) : null;
    if (loop) throw invalid('segment.rule_cycle', `${at} would make segments read each other: ${[selfName, ...loop.map(nameOf)].join(' → ')}`, at);
  }
  return { rule, deps };
}

/** Member pages are keyed by member id (newest first). */
export const encodeCursor = (id: string) => Buffer.from(JSON.stringify({ m: id }), 'utf8').toString('base64url');

/** 400 `segment.invalid_cursor` for anything {@link encodeCursor} did not make. */
export function decodeCursor(cursor: string): string {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (v && typeof v.m === 'string' && v.m.length > 0) return v.m;
  } catch {
    // fall through to the typed error
  }
  throw invalid('segment.invalid_cursor', 'cursor is not a segment member cursor returned by this API', 'cursor');
}

/** A YYYY-MM-DD that names a real calendar day, else 400 `segment.date_invalid`. */
export function checkDate(date: string): void {
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== date) throw invalid('segment.date_invalid', `date ${date} is not a calendar date (YYYY-MM-DD)`, 'date');
}

export const segmentNotFound = (ref: string) => notFound('segment.not_found', `No segment ${ref} / 未找到分群`, 'ref');

export const duplicate = (name: string) => new SiyuError('duplicate', 'segment.duplicate', `A segment named ${name} already exists / 分群已存在`, { field: 'name' });

export const inUse = (name: string, readers: SegmentDef[], how: string, field: string) =>
  new SiyuError('conflict', 'segment.in_use', `Segment ${name} is read by ${readers.map((d) => d.row.name).join(', ')} ${how}`, {
    field,
    details: { segments: readers.map((d) => ({ id: d.row.id, name: d.row.name })) },
  });

// The sandboxed Liquid engines: no file system (include/render/layout removed, in-memory template map), own
// properties only, unknown filters refused at parse time, and liquidjs' DoS limits on parse size, render time and
// memory. One engine for text, one that HTML-escapes output for email html (`| raw` opts out).
import { Liquid, filters as builtin, type Context } from 'liquidjs';
import { dateZh, maskPhone, money, safeZone } from './filters.ts';

/** Longest Liquid source of one field (email html included). */
export const PARSE_LIMIT = 600_000;
/**
 * Render time per field per member (ms): a wall-clock backstop only. Real templates take microseconds, but a GC
 * pause or a busy machine must never fail a member's message, so the deterministic guard is the memory limit.
 */
export const RENDER_LIMIT_MS = 1_000;
/** liquidjs' count of allocations in ranges, split, concat, join, strftime… per render (bounds loop iterations). */
export const MEMORY_LIMIT = 1_000_000;
/** The stricter allocation budget of the save-time render with example values (a loop over 100k is refused). */
export const SAVE_MEMORY_LIMIT = 100_000;

/** What a filter's `this` holds (liquidjs' FilterImpl, not exported by its index). */
interface FilterImpl {
  context: Context;
}

type DateFilter = (this: FilterImpl, v: string | Date, format?: string, tz?: number | string) => unknown;

/** Tags that read other templates (from the file system by default): a template stands alone here. */
const FILE_TAGS = ['include', 'render', 'layout'];

/** The workspace's zone, from the render scope (`workspace.timezone`), for the date filters. */
function zoneOf(impl: FilterImpl): string {
  const env = impl.context.environments as Record<string, unknown> | undefined;
  const ws = env && Object.hasOwn(env, 'workspace') ? (env.workspace as Record<string, unknown> | null) : null;
  return safeZone(ws?.timezone);
}

function build(html: boolean): Liquid {
  const engine = new Liquid({
    strictFilters: true,
    // Save-time checks catch unknown variables; at send time a missing free attribute renders empty, not a failure.
    strictVariables: false,
    ownPropertyOnly: true,
    // An empty in-memory map: even a lookup that got past the removed tags finds nothing, never the disk.
    templates: {},
    relativeReference: false,
    dynamicPartials: false,
    parseLimit: PARSE_LIMIT,
    renderLimit: RENDER_LIMIT_MS,
    memoryLimit: MEMORY_LIMIT,
    outputEscape: html ? 'escape' : undefined,
    timezoneOffset: 'Asia/Shanghai',
  });
  for (const t of FILE_TAGS) delete engine.tags[t];
  engine.registerFilter('money', (v: unknown, symbol?: unknown) => money(v, symbol));
  engine.registerFilter('mask_phone', (v: unknown) => maskPhone(v));
  engine.registerFilter('date_zh', function (this: FilterImpl, v: unknown, style?: unknown, tz?: unknown) {
    return dateZh(v, style, typeof tz === 'string' ? tz : zoneOf(this));
  });
  // The standard strftime `date` filter, in the workspace's zone unless one is given.
  engine.registerFilter('date', function (this: FilterImpl, v: string | Date, format?: string, tz?: number | string) {
    return (builtin.date as DateFilter).call(this, v, format, tz ?? zoneOf(this));
  });
  for (const [name, fn] of outside) install(engine, name, fn);
  return engine;
}

/**
 * The scope key under which renderMany puts what a filter may need to know about the render (workspace, member,
 * source key). `$` keeps it out of reach of templates: a Liquid variable cannot start with it.
 */
export const RENDER_FACTS = '$render';

/** What renderMany tells filters about the message being rendered (null in previews and save-time checks). */
export interface RenderFacts {
  workspace_id: string;
  member_id: string;
  /** The send's source key (`broadcast:<id>`, `journey:<id>:step:<id>`) when the caller gave one. */
  source_key: string | null;
}

/** A filter added by another module: the piped value, the filter's arguments and the render facts. */
export type OutsideFilter = (input: unknown, args: unknown[], facts: RenderFacts | null) => unknown;

/** Filters other modules registered (e.g. measurement's `track`), installed on both engines. */
const outside = new Map<string, OutsideFilter>();

function install(engine: Liquid, name: string, fn: OutsideFilter): void {
  engine.registerFilter(name, function (this: FilterImpl, input: unknown, ...args: unknown[]) {
    const env = this.context.environments as Record<string, unknown> | undefined;
    const facts = env && Object.hasOwn(env, RENDER_FACTS) ? (env[RENDER_FACTS] as RenderFacts) : null;
    return fn(input, args, facts);
  });
}

/**
 * Adds a filter for every template (register at start-up: templates using it are refused at parse time before).
 * Re-registering a name replaces it; the built-in and standard filters cannot be replaced.
 */
export function registerOutsideFilter(name: string, fn: OutsideFilter): void {
  if (!/^[a-z][a-z0-9_]{0,39}$/.test(name)) throw new Error(`Filter name ${name} must be a lower-case name`);
  if (!outside.has(name) && Object.hasOwn(engines().text.filters, name)) throw new Error(`Filter ${name} already exists`);
  outside.set(name, fn);
  install(engines().text, name, fn);
  install(engines().html, name, fn);
}

export interface Engines {
  text: Liquid;
  html: Liquid;
}

let shared: Engines | undefined;

/** The process's two engines (stateless apart from registered filters, so one pair serves every workspace). */
export function engines(): Engines {
  shared ??= { text: build(false), html: build(true) };
  return shared;
}

/** Filter names templates may use (the standard ones plus ours): for docs and error hints. */
export function filterNames(): string[] {
  return Object.keys(engines().text.filters).sort();
}

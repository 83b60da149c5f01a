// Context providers and extras: who declares which variables, which of them a template needs, and loading them
// for a batch of members — each provider once per batch, only when the template reads its variables.
import { invalid } from '../../../core/errors.ts';
import type { Segment, VariableSchema, VarSpec } from '../variables.ts';
import { BUILTINS } from './schemas.ts';

/** What a provider's load gets besides the members: the render's clock and a per-batch memo. */
export interface LoadScope {
  now: Date;
  /**
   * The fields of this provider's value the template reads (first level: `name`, `traits`), or null when it
   * reads the whole object: a provider may load only these.
   */
  fields: string[] | null;
  /** The variable paths read below this provider's value (`['traits', 'order_count']`), or null for all of it. */
  paths: Segment[][] | null;
  /**
   * Runs `fn` once per key within one render run (every chunk of one renderMany call): for reads several providers
   * share (the three score mounts, per chunk: put the chunk's ids in the key) and for values that are the same for
   * every member (the workspace, a popularity ranking).
   */
  memo<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * A source of template variables. `name` (given at registration) is a root (`loyalty`) or a field of one
 * (`member.rfm`); `load` returns each member's value (an object of the declared fields), members it has nothing
 * for left out (they read null).
 */
export interface ContextProvider {
  variables: VariableSchema;
  /** One line for docs and the variables endpoint. */
  description?: string;
  load(ws: string, memberIds: string[], scope: LoadScope): Promise<Map<string, unknown>>;
}

/** What a compiled template needs loaded: provider mounts and caller-supplied extras. */
export interface ContextPlan {
  mounts: string[];
  extras: string[];
  /** Per mount, the first-level fields read (null: all of them). */
  fields: Record<string, string[] | null>;
  /** Per mount, the paths read below it (null: all of it). */
  paths: Record<string, Segment[][] | null>;
}

const NAME = /^[a-z][a-z0-9_]{0,39}(\.[a-z][a-z0-9_]{0,39})?$/;

/** The root every render reads the workspace (and its time zone, for date filters) from. */
export const ALWAYS_LOADED = 'workspace';

export class ContextRegistry {
  private readonly providers = new Map<string, ContextProvider>();
  private readonly extras = new Map<string, { variables: VariableSchema; description?: string }>();
  private cachedSchema: VariableSchema | null = null;

  /** Adds (or replaces) a provider: `loyalty`, or `member.rfm` under a registered root. */
  register(name: string, provider: ContextProvider): void {
    if (!NAME.test(name)) throw invalid('template.context_name_invalid', `Context name ${name} must be a lower-case name or root.field`, 'name');
    const root = name.split('.')[0];
    if (name.includes('.') && !this.providers.has(root)) throw invalid('template.context_root_missing', `Register ${root} before ${name}`, 'name');
    if (Object.hasOwn(BUILTINS, root) || this.extras.has(root)) throw invalid('template.context_name_taken', `${root} is already a variable`, 'name');
    this.providers.set(name, provider);
    this.cachedSchema = null;
  }

  /** Declares a variable the caller passes per member (e.g. `coupon`, issued in the same step). */
  registerExtra(name: string, variables: VariableSchema, description?: string): void {
    if (!NAME.test(name) || name.includes('.')) throw invalid('template.context_name_invalid', `Extra name ${name} must be a lower-case name`, 'name');
    if (this.providers.has(name) || Object.hasOwn(BUILTINS, name)) throw invalid('template.context_name_taken', `${name} is already a variable`, 'name');
    this.extras.set(name, { variables, description });
    this.cachedSchema = null;
  }

  /** Every variable a template may use: builtins, providers (sub-mounts as fields of their root) and extras. */
  schema(): VariableSchema {
    if (this.cachedSchema) return this.cachedSchema;
    const roots: VariableSchema = { ...BUILTINS };
    for (const [name, p] of this.providers) {
      if (name.includes('.')) continue;
      roots[name] = { type: 'object', description: p.description ?? name, fields: { ...p.variables } };
    }
    for (const [name, p] of this.providers) {
      const [root, field] = name.split('.');
      if (!field) continue;
      (roots[root] as Extract<VarSpec, { type: 'object' }>).fields[field] = { type: 'object', description: p.description ?? name, fields: p.variables };
    }
    for (const [name, e] of this.extras) roots[name] = { type: 'object', description: e.description ?? name, fields: e.variables };
    this.cachedSchema = roots;
    return roots;
  }

  /** Extras' names (variables the caller must pass). */
  extraNames(): string[] {
    return [...this.extras.keys()];
  }

  /** Descriptions of roots and mounts, for the variables endpoint. */
  describe(): { name: string; kind: 'builtin' | 'provider' | 'extra'; description: string }[] {
    return [
      ...Object.entries(BUILTINS).map(([name, s]) => ({ name, kind: 'builtin' as const, description: s.description })),
      ...[...this.providers].map(([name, p]) => ({ name, kind: 'provider' as const, description: p.description ?? name })),
      ...[...this.extras].map(([name, e]) => ({ name, kind: 'extra' as const, description: e.description ?? name })),
    ];
  }

  /** Mounts and extras the variable paths of a template need (whole-object reads pull in every sub-mount). */
  plan(paths: Segment[][]): ContextPlan {
    const mounts = new Set<string>([ALWAYS_LOADED].filter((m) => this.providers.has(m)));
    const extras = new Set<string>();
    const fields = new Map<string, Set<string> | null>();
    const below = new Map<string, Segment[][] | null>();
    const use = (mount: string, field: Segment | undefined, rest: Segment[] = []) => {
      mounts.add(mount);
      if (fields.has(mount) && fields.get(mount) === null) return;
      if (typeof field !== 'string') {
        below.set(mount, null);
        return void fields.set(mount, null);
      }
      fields.set(mount, (fields.get(mount) ?? new Set<string>()).add(field));
      below.set(mount, [...(below.get(mount) ?? []), [field, ...rest]]);
    };
    for (const path of paths) {
      const root = path[0];
      if (typeof root !== 'string') continue;
      if (this.extras.has(root)) extras.add(root);
      if (!this.providers.has(root)) continue;
      const field = path[1];
      const sub = typeof field === 'string' && this.providers.has(`${root}.${field}`) ? `${root}.${field}` : null;
      if (sub) use(sub, path[2], path.slice(3));
      else use(root, field, path.slice(2));
      // Reading the whole root (or iterating it) reads every sub-mount too.
      if (path.length === 1 || typeof field !== 'string') for (const name of this.providers.keys()) if (name.startsWith(root + '.')) use(name, undefined);
    }
    // Sub-mounts hang on their root's value, so the root is loaded too.
    for (const m of [...mounts]) if (m.includes('.') && !mounts.has(m.split('.')[0])) use(m.split('.')[0], 'id');
    const list = [...mounts];
    return {
      mounts: list,
      extras: [...extras],
      fields: Object.fromEntries(list.map((m) => [m, fields.has(m) && fields.get(m) !== null ? [...fields.get(m)!].sort() : null])),
      paths: Object.fromEntries(list.map((m) => [m, below.get(m) ?? null])),
    };
  }

  /**
   * Loads the planned mounts for a batch of members: one call per provider. `memos` is shared by the chunks of one
   * render run (see LoadScope.memo). Returns each member's scope (roots
   * with sub-mounts set on them) and the members a root provider had no row for (unknown or merged away).
   */
  async load(
    ws: string,
    memberIds: string[],
    plan: ContextPlan,
    now: Date,
    memos: Map<string, Promise<unknown>> = new Map(),
  ): Promise<{ scopes: Map<string, Record<string, unknown>>; missing: Set<string> }> {
    const memo = <T>(key: string, fn: () => Promise<T>) => {
      let p = memos.get(key) as Promise<T> | undefined;
      if (!p) {
        p = fn();
        memos.set(key, p);
      }
      return p;
    };
    const loaded = await Promise.all(
      plan.mounts.map(async (name) => [name, await this.providers.get(name)!.load(ws, memberIds, { now, memo, fields: plan.fields[name] ?? null, paths: plan.paths[name] ?? null })] as const),
    );
    const roots = loaded.filter(([n]) => !n.includes('.'));
    const subs = loaded.filter(([n]) => n.includes('.'));
    const scopes = new Map<string, Record<string, unknown>>();
    const missing = new Set<string>();
    const nowIso = now.toISOString();
    for (const id of memberIds) {
      const s: Record<string, unknown> = { now: nowIso };
      for (const [name, values] of roots) {
        const value = values.get(id);
        // A root object (member) the provider did not find means no such member; other roots may be empty.
        if (value === undefined && name === 'member') missing.add(id);
        s[name] = value ?? null;
      }
      for (const [name, values] of subs) {
        const [root, field] = name.split('.');
        const parent = s[root];
        if (parent && typeof parent === 'object') (parent as Record<string, unknown>)[field] = values.get(id) ?? null;
      }
      scopes.set(id, s);
    }
    return { scopes, missing };
  }
}

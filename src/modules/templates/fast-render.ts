// A fast path for the common template field — literal text and `{{ variable.path | filter: 'literal', … }}` outputs,
// no tags: the same property reads and the same filter functions liquidjs would call (with a real render Context, so
// filters see the scope, the limits and the options), without liquidjs' generator machinery, which cost about 10 µs
// per field and was the largest part of rendering a broadcast. Anything else — tags, expressions, `size`/`first`/
// `last`, functions, drops, non-scalar output, a filter that throws — returns undefined, and the caller renders with
// liquidjs as before, so output is identical either way (fast-render.test.ts compares them).
import { Context, Drop, type Liquid, type Template } from 'liquidjs';

type Step = { text: string } | { path: (string | number)[]; filters: { handler: (...args: unknown[]) => unknown; token: unknown; args: unknown[] }[] };

/** A compiled fast renderer: the field's text, or undefined when this render must go through liquidjs. */
export type FastRender = (scope: Record<string, unknown>, memoryLimit?: number) => string | undefined;

const own = Object.prototype.hasOwnProperty;
/** Keys liquidjs reads specially (array/string size, first, last): left to liquidjs. */
const SPECIAL = new Set(['size', 'first', 'last']);
const cache = new WeakMap<Template[], FastRender | null>();

/** The fast renderer of a parsed field, or null when the field uses more than text and simple outputs. */
export function fastRenderer(tpl: Template[], liquid: Liquid): FastRender | null {
  if (cache.has(tpl)) return cache.get(tpl)!;
  const steps = plan(tpl);
  const fn = steps ? build(steps, liquid) : null;
  cache.set(tpl, fn);
  return fn;
}

function plan(tpl: Template[]): Step[] | null {
  const steps: Step[] = [];
  for (const t of tpl as any[]) {
    if (t.constructor?.name === 'HTML' && typeof t.str === 'string') {
      steps.push({ text: t.str });
      continue;
    }
    if (t.constructor?.name !== 'Output' || !t.value?.initial?.postfix) return null;
    const postfix = t.value.initial.postfix as any[];
    if (postfix.length !== 1) return null;
    const access = postfix[0];
    if (access.constructor?.name !== 'PropertyAccessToken' || access.variable || !Array.isArray(access.props) || access.props.length === 0) return null;
    const path: (string | number)[] = [];
    for (const p of access.props) {
      const k = p?.content;
      if ((typeof k !== 'string' && typeof k !== 'number') || (typeof k === 'string' && SPECIAL.has(k))) return null;
      path.push(k);
    }
    if (typeof path[0] !== 'string') return null;
    const filters: Extract<Step, { path: unknown }>['filters'] = [];
    for (const f of t.value.filters as any[]) {
      if (typeof f.handler !== 'function') return null;
      const args: unknown[] = [];
      for (const a of f.args as any[]) {
        if (Array.isArray(a)) {
          const v = literal(a[1]);
          if (v === NOT_LITERAL) return null;
          args.push([a[0], v]);
        } else {
          const v = literal(a);
          if (v === NOT_LITERAL) return null;
          args.push(v);
        }
      }
      filters.push({ handler: f.handler, token: f.token, args });
    }
    steps.push({ path, filters });
  }
  return steps;
}

const NOT_LITERAL = Symbol('not literal');
/** A filter argument that is a literal (string, number, true/false/nil); drops such as `empty` are not. */
function literal(token: any): unknown {
  if (!token || !('content' in token)) return NOT_LITERAL;
  const v = token.content;
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : NOT_LITERAL;
}

const BAIL = Symbol('bail');

/** liquidjs' readProperty with ownPropertyOnly, for plain data; BAIL where liquidjs would do something special. */
function read(obj: unknown, key: string | number): unknown {
  if (obj === null || obj === undefined) return obj;
  // Drops compute what they show (liquidMethodMissing, valueOf), and toLiquid objects stand for another value.
  if (obj instanceof Drop || (typeof obj === 'object' && typeof (obj as { toLiquid?: unknown }).toLiquid === 'function')) return BAIL;
  if (Array.isArray(obj) && typeof key === 'number') {
    const i = key < 0 ? obj.length + key : key;
    return own.call(obj, i) ? obj[i] : undefined;
  }
  if (typeof obj !== 'object' && typeof obj !== 'string') return own.call(Object(obj), key) ? BAIL : undefined;
  const v = own.call(obj, key) ? (obj as Record<string | number, unknown>)[key] : undefined;
  return typeof v === 'function' ? BAIL : v;
}

function build(steps: Step[], liquid: Liquid): FastRender {
  return (scope, memoryLimit) => {
    let out = '';
    let ctx: Context | null = null;
    for (const s of steps) {
      if ('text' in s) {
        out += s.text;
        continue;
      }
      let v: unknown = scope;
      for (const k of s.path) {
        v = read(v, k);
        if (v === BAIL) return undefined;
      }
      for (const f of s.filters) {
        ctx ??= new Context(scope, liquid.options, memoryLimit === undefined ? {} : { memoryLimit }, { liquid });
        try {
          v = f.handler.apply({ context: ctx, token: f.token, liquid }, [v, ...f.args]);
        } catch {
          return undefined; // liquidjs renders it again and reports the error its way
        }
        if (v !== null && typeof v === 'object' && (typeof (v as { then?: unknown }).then === 'function' || typeof (v as { next?: unknown }).next === 'function')) return undefined;
      }
      // liquidjs' stringify for scalars; arrays, objects and drops go through liquidjs.
      if (v === null || v === undefined) continue;
      if (typeof v === 'string') out += v;
      else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') out += String(v);
      else return undefined;
    }
    return out;
  };
}

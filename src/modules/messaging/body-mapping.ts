// Configurable JSON bodies for generic HTTP providers: a mapping is any JSON value whose strings may hold
// `{{name}}` placeholders (`{{to}}`, `{{text}}`, `{{content.template_id}}`…), and response paths read values back.

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g;
const WHOLE = /^\{\{\s*([A-Za-z_][\w.]*)\s*\}\}$/;

/**
 * Reads a dotted path (`data.msg_id`, `results.0.id`) from a value; undefined when any step is missing.
 * @example readPath({ data: { ids: ['a'] } }, 'data.ids.0') // 'a'
 */
export function readPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const step of path.split('.')) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[step];
  }
  return cur;
}

/**
 * Fills a mapping with `vars`. A string that is exactly one placeholder takes the variable's value as it is
 * (number, object, array); placeholders inside longer strings are interpolated as text. Keys whose value resolves
 * to undefined are left out, so optional fields disappear instead of being sent empty.
 * @example renderMapping({ phone: '{{to}}', text: 'Hi {{name}}', n: '{{segments}}' }, { to: '138', name: 'Li', segments: 2 })
 * // { phone: '138', text: 'Hi Li', n: 2 }
 */
export function renderMapping(mapping: unknown, vars: Record<string, unknown>): unknown {
  if (typeof mapping === 'string') {
    const whole = WHOLE.exec(mapping);
    if (whole) return readPath(vars, whole[1]);
    return mapping.replace(PLACEHOLDER, (_, name: string) => {
      const v = readPath(vars, name);
      if (v === undefined || v === null) return '';
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
  }
  if (Array.isArray(mapping)) return mapping.map((m) => renderMapping(m, vars)).filter((v) => v !== undefined);
  if (mapping && typeof mapping === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, m] of Object.entries(mapping)) {
      const v = renderMapping(m, vars);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  return mapping;
}

/** Every placeholder name a mapping uses (for validating a config against the variables an adapter offers). */
export function placeholdersOf(mapping: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof mapping === 'string') for (const m of mapping.matchAll(PLACEHOLDER)) into.add(m[1]);
  else if (Array.isArray(mapping)) for (const m of mapping) placeholdersOf(m, into);
  else if (mapping && typeof mapping === 'object') for (const m of Object.values(mapping)) placeholdersOf(m, into);
  return into;
}

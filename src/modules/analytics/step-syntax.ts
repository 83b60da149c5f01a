// Pure: the CLI's short form of a funnel step, `Event name[prop=value][price>=20]`, parsed to a step object.
import { invalid } from '../../core/errors.ts';
import type { FunnelStepInput } from './funnel-repo.ts';
import type { PropertyFilter } from './property-filter.ts';

const OPS: Array<[string, PropertyFilter['op']]> = [['!=', 'neq'], ['>=', 'gte'], ['<=', 'lte'], ['~=', 'contains'], ['=', 'eq'], ['>', 'gt'], ['<', 'lt']];
const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * Parses `name[filter][filter]…`; a filter is `key=value`, `key!=value`, `key>n`, `key>=n`, `key<n`, `key<=n`,
 * `key~=text` (contains), `key` (exists) or `!key` (missing). Numeric values compare as numbers.
 * @example parseStep('Product Viewed[category=奶茶][price>=20]')
 * // { event: 'Product Viewed', where: [{ property: 'category', op: 'eq', value: '奶茶' }, { property: 'price', op: 'gte', value: 20 }] }
 */
export function parseStep(text: string, field = 'step'): FunnelStepInput {
  const open = text.indexOf('[');
  const event = (open < 0 ? text : text.slice(0, open)).trim();
  if (!event) throw invalid('analytics.step_invalid', `${field}: an event name is required, got "${text}"`, field);
  if (open < 0) return { event };
  const rest = text.slice(open);
  const parts = [...rest.matchAll(/\[([^\]]*)\]/g)];
  if (parts.map((m) => m[0]).join('') !== rest.trim()) throw invalid('analytics.step_invalid', `${field}: filters must be written [key=value][key>=n]…, got "${rest}"`, field);
  const where = parts.map((m) => parseFilter(m[1].trim(), field));
  return { event, where };
}

function parseFilter(f: string, field: string): PropertyFilter {
  // The operator that starts first wins (ties: the longer one), so values may contain operator characters.
  let best: { at: number; sym: string; op: PropertyFilter['op'] } | null = null;
  for (const [sym, op] of OPS) {
    const at = f.indexOf(sym);
    if (at > 0 && (!best || at < best.at || (at === best.at && sym.length > best.sym.length))) best = { at, sym, op };
  }
  if (best) {
    const { at, sym, op } = best;
    const property = f.slice(0, at).trim();
    const raw = f.slice(at + sym.length).trim();
    const numeric = NUMBER.test(raw);
    if ((op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') && !numeric) {
      throw invalid('analytics.step_invalid', `${field}: ${property}${sym} needs a number, got "${raw}"`, field);
    }
    return { property, op, value: numeric && op !== 'contains' ? Number(raw) : raw };
  }
  if (f.startsWith('!') && f.length > 1) return { property: f.slice(1).trim(), op: 'not_exists' };
  if (f) return { property: f, op: 'exists' };
  throw invalid('analytics.step_invalid', `${field}: empty filter []`, field);
}

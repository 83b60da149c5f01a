// The fast path renders exactly what liquidjs renders: random fields of text and simple outputs with filters, over
// random scopes (missing keys, null, numbers, unicode, arrays, inherited keys, functions), on the text and the
// HTML-escaping engine; and it steps aside for tags, expressions and special keys.
import { Drop } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { engines } from './engine.ts';
import { fastRenderer } from './fast-render.ts';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0) / 4_294_967_296);
}

const PATHS = ['member.name', 'member.city', 'member.traits.total_spend', 'member.traits.order_count', 'member.tags', 'member.attributes.level', 'member.missing',
  'member["name"]', 'member.list[0]', 'member.list[-1]', 'member.flag', 'workspace.name', 'nothing.at.all', 'member.name.length', 'member.fn', 'member.constructor', 'coupon.code', 'member.traits.last_order_at'];
const FILTERS = ["default: '亲爱的会员'", 'default: 0', 'default: true, allow_false: true', 'money', 'money: ""', 'mask_phone', 'upcase', 'downcase', 'capitalize', 'strip',
  'truncate: 5', "truncate: 6, '…'", "append: '!'", "prepend: '【思域】'", "replace: '会员', '顾客'", 'plus: 1', 'times: 2.5', 'divided_by: 3', 'round: 1', 'floor', 'abs', 'at_least: 10',
  'date_zh', "date_zh: 'short'", "date: '%m月%d日'", 'escape', 'size', 'join: ","', 'first'];
const VALUES = [null, undefined, '', '王小明', '  spaced  ', 'a<b>&"c"', '13812345678', 0, 7, 1234.5, -3.25, true, false, ['VIP', '新客'], { nested: 1 }, '2026-06-18T02:30:00Z', '2026-06-18'];

function scope(r: () => number): Record<string, unknown> {
  const pick = () => VALUES[Math.floor(r() * VALUES.length)];
  const member: Record<string, unknown> = {
    name: pick(), city: pick(), tags: r() < 0.5 ? ['VIP'] : pick(), attributes: r() < 0.8 ? { level: pick() } : null,
    traits: r() < 0.9 ? { total_spend: pick(), order_count: pick(), last_order_at: pick() } : null,
    list: r() < 0.7 ? [pick(), pick()] : pick(), flag: pick(),
  };
  if (r() < 0.1) member.fn = () => 'called';
  return { now: '2026-12-01T00:00:00Z', workspace: { name: '思域', timezone: 'Asia/Shanghai' }, member: r() < 0.95 ? member : null, coupon: r() < 0.5 ? { code: pick() } : undefined };
}

function field(r: () => number): string {
  let src = '';
  const parts = 1 + Math.floor(r() * 4);
  for (let i = 0; i < parts; i++) {
    if (r() < 0.6) src += ['你好,', ' ', 'Hi ', '。回T退订', '\n'][Math.floor(r() * 5)];
    const filters = Array.from({ length: Math.floor(r() * 3) }, () => FILTERS[Math.floor(r() * FILTERS.length)]);
    src += `{{ ${PATHS[Math.floor(r() * PATHS.length)]}${filters.map((f) => ` | ${f}`).join('')} }}`;
  }
  return src;
}

describe('fast render', () => {
  for (const html of [false, true]) {
    it(`matches liquidjs on random fields and scopes (${html ? 'html' : 'text'} engine)`, () => {
      const engine = html ? engines().html : engines().text;
      const r = rng(html ? 7 : 42);
      let fast = 0;
      let total = 0;
      for (let i = 0; i < 400; i++) {
        const src = field(r);
        const tpl = engine.parse(src);
        const render = fastRenderer(tpl, engine);
        for (let j = 0; j < 10; j++) {
          const s = scope(r);
          let expected: string;
          try {
            expected = String(engine.renderSync(tpl, s) ?? '');
          } catch {
            expected = '<error>';
          }
          const got = render?.(s);
          total++;
          if (got === undefined) continue;
          fast++;
          expect(got, `${src} with ${JSON.stringify(s)}`).toBe(expected);
        }
      }
      // Most of these fields go the fast way (the rest: size/first, filters that throw, array output).
      expect(fast / total).toBeGreaterThan(0.5);
    });
  }

  it('leaves tags, expressions and special keys to liquidjs', () => {
    const e = engines().text;
    expect(fastRenderer(e.parse('{% if member.name %}x{% endif %}'), e)).toBeNull();
    expect(fastRenderer(e.parse("{{ 'literal' }}"), e)).toBeNull();
    expect(fastRenderer(e.parse('{{ member.tags.size }}'), e)).toBeNull();
    expect(fastRenderer(e.parse('{{ member.name | append: member.city }}'), e)).toBeNull();
    expect(fastRenderer(e.parse('【思域】{{ member.name | default: "会员" }},您好'), e)!({ member: { name: '王' } })).toBe('【思域】王,您好');
    // A drop computes its fields and its text: liquidjs renders those.
    class Links extends Drop {
      override liquidMethodMissing(key: string | number) {
        return `link:${key}`;
      }
      override valueOf() {
        return 'link:all';
      }
    }
    const links = fastRenderer(e.parse('{{ u.email }} {{ u }}'), e)!;
    expect(links({ u: new Links() })).toBeUndefined();
    expect(e.renderSync(e.parse('{{ u.email }} {{ u }}'), { u: new Links() })).toBe('link:email link:all');
  });
});

// Property-based fuzzing of the template engine on both stores: arbitrary Liquid assembled from hostile fragments
// (file tags, prototype and process paths, runaway loops, unbalanced tags, huge literals) is either saved/rendered or
// refused with a template.* code; never a 5xx, never file contents, environment or code in the output.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { fuzzRuns, nastyString } from '../../../test/support/hostile.ts';

const PASSWD = (() => {
  try {
    return readFileSync('/etc/passwd', 'utf8').split('\n')[0];
  } catch {
    return 'root:x:0:0';
  }
})();

/** Liquid pieces that try to reach outside the sandbox or exhaust it. */
const HOSTILE = [
  "{% include '/etc/passwd' %}",
  '{% include "../../../../etc/passwd" %}',
  "{% render '/etc/passwd' %}",
  '{% render "package.json" %}',
  "{% layout '/etc/passwd' %}",
  '{% layout "x" %}{% block a %}b{% endblock %}',
  '{% liquid include "/etc/passwd" %}',
  '{{ member.constructor }}',
  '{{ member.constructor.constructor }}',
  "{{ member.name.constructor.constructor('return process')() }}",
  '{{ constructor }}',
  '{{ process }}',
  '{{ process.env }}',
  '{{ process.env.PATH }}',
  '{{ global }}',
  '{{ globalThis.process }}',
  '{{ this }}',
  '{{ __proto__ }}',
  '{{ member.__proto__ }}',
  '{{ member.attributes.__proto__.constructor }}',
  '{{ "x" | constructor }}',
  '{{ "x" | process }}',
  '{{ "x" | eval }}',
  '{{ member | json }}',
  '{{ member.attributes | json }}',
  '{% assign p = "constructor" %}{{ member[p] }}',
  '{% assign g = "process" %}{{ [g] }}',
  '{{ member["constructor"]["constructor"] }}',
  '{% for i in (1..100000000) %}x{% endfor %}',
  '{% for i in (1..100000) %}{% for j in (1..100000) %}{% endfor %}{% endfor %}',
  '{% assign a = "1,2" | split: "," %}{% for i in (1..60) %}{% assign a = a | concat: a %}{% endfor %}',
  '{% capture c %}{% for i in (1..100000) %}xxxxxxxxxx{% endfor %}{% endcapture %}{{ c }}',
  '{{ "x" | append: "x" | append: "x" }}',
  '{% tablerow i in (1..5000) %}{{ i }}{% endtablerow %}',
  '{% cycle "a", "b" %}',
  '{% increment n %}{% decrement n %}',
  '{% raw %}{{ x }}{% endraw %}',
  '{% comment %}x{% endcomment %}',
  '{% if member.name contains "a" %}y{% else %}n{% endif %}',
  '{% case 1 %}{% when 1 %}a{% endcase %}',
  '{% unknown_tag %}',
  '{% if %}',
  '{% for %}',
  '{{',
  '}}',
  '{%',
  '{{ member.name | money }}',
  '{{ member.name | date: "%Y %s %N %Q" }}',
  '{{ 1e308 | times: 1e308 }}',
  '{{ 1 | divided_by: 0 }}',
  '{{ "9999-12-31" | date_zh: "datetime", "../../etc" }}',
  '{{ member.phone | mask_phone }}',
  '<script>alert(1)</script>',
  '{{ member.name }}',
  '{{ member.attributes.level }}',
];

const fragment = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...HOSTILE) }, { weight: 1, arbitrary: nastyString(20) });
const source = fc.array(fragment, { minLength: 1, maxLength: 5 }).map((a) => a.join(' '));
const content = fc.oneof(
  source.map((text) => ({ sms: { text } })),
  fc.tuple(source, source).map(([subject, html]) => ({ email: { subject, html } })),
  fc.tuple(source, source).map(([subject, text]) => ({ email: { subject, text } })),
  source.map((s) => ({ webhook: { body: { a: s, b: [s] } } })),
);

forEachStore('templates fuzz', (ctx) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(ctx.store);
    const r = await t.app.inject({
      method: 'POST',
      url: '/v1/identify',
      headers: t.write,
      payload: { userId: 'tf-1', traits: { name: '<img src=x onerror="window.__xss=1">', phone: '13800000000', level: "'; --" } },
    });
    expect(r.statusCode, r.body).toBe(200);
  });
  afterAll(async () => t?.app.close());

  function expectContained(body: string) {
    expect(body).not.toContain(PASSWD);
    if (process.env.PATH) expect(body).not.toContain(process.env.PATH);
    expect(body).not.toContain(process.cwd());
    expect(body).not.toMatch(/\[native code\]|function [A-Za-z]*\(|\[object process\]|"version":\s*"\d/);
  }

  it('previews arbitrary Liquid with 200 or a 4xx template code, reaching nothing outside', async () => {
    await fc.assert(
      fc.asyncProperty(content, async (c) => {
        const r = await t.app.inject({ method: 'POST', url: '/api/templates/preview', headers: t.admin, payload: { content: c, member: 'user_id:tf-1' } });
        expect(r.statusCode, `${JSON.stringify(c)} → ${r.body}`).toBeLessThan(500);
        if (r.statusCode !== 200) expect(r.json().code, r.body).toMatch(/^(template|request|member)\.[a-z_]+$/);
        expectContained(r.body);
      }),
      { numRuns: fuzzRuns(50) },
    );
  });

  it('saves or refuses arbitrary Liquid with a template code', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(content, async (c) => {
        const r = await t.app.inject({ method: 'POST', url: '/api/templates', headers: t.admin, payload: { name: `fz-${n++}`, content: c } });
        expect(r.statusCode, `${JSON.stringify(c)} → ${r.body}`).toBeLessThan(500);
        if (r.statusCode >= 400) expect(r.json().code, r.body).toMatch(/^(template|request)\.[a-z_]+$/);
        expectContained(r.body);
      }),
      { numRuns: fuzzRuns(30) },
    );
  });

  it('refuses file tags and stops runaway loops with named codes', async () => {
    const refuse = async (text: string) => {
      const r = await t.app.inject({ method: 'POST', url: '/api/templates/preview', headers: t.admin, payload: { content: { sms: { text } }, member: 'user_id:tf-1' } });
      expect(r.statusCode, r.body).toBe(400);
      expectContained(r.body);
      return r.json().code as string;
    };
    for (const tag of ["{% include '/etc/passwd' %}", "{% render '/etc/passwd' %}", "{% layout '/etc/passwd' %}"]) expect(await refuse(tag)).toMatch(/^template\./);
    expect(await refuse('{% for i in (1..100000000) %}x{% endfor %}')).toBe('template.render_limit');
    expect(await refuse('{{ "x" | constructor }}')).toMatch(/^template\./);
    // Member data stays data: HTML in a name is escaped in email html.
    const html = await t.app.inject({ method: 'POST', url: '/api/templates/preview', headers: t.admin, payload: { content: { email: { subject: 's', html: '<p>{{ member.name }}</p>' } }, member: 'user_id:tf-1' } });
    expect(html.statusCode, html.body).toBe(200);
    expect(html.body).not.toContain('<img src=x');
    expect(html.body).toContain('&lt;img');
  });
});

// `siyu templates create|update|list|show|delete|preview`: message templates through the API, content from a JSON file.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { invalid } from '../../core/errors.ts';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';
import { MESSAGING_CHANNEL_TYPES } from '../../modules/templates/channels.ts';

const out = (s: string) => process.stdout.write(s);
const path = (ref: string) => `/api/templates/${encodeURIComponent(ref)}`;

/**
 * Reads a template file: either a whole body (`{ name, description, content }`) or just the content (an object
 * whose keys are channel types: `{ sms: { text: … } }`).
 */
export function readTemplateFile(file: string): { name?: string; description?: string; content?: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw invalid('cli.file_invalid', `${file} is not a readable JSON file: ${(e as Error).message}`, 'file');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('cli.file_invalid', `${file} must hold a JSON object`, 'file');
  const o = parsed as Record<string, unknown>;
  const contentOnly = Object.keys(o).length > 0 && Object.keys(o).every((k) => (MESSAGING_CHANNEL_TYPES as readonly string[]).includes(k));
  if (contentOnly) return { content: o };
  return { name: o.name as string | undefined, description: o.description as string | undefined, content: o.content };
}

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw invalid('cli.invalid_number', `--template-version must be a positive integer, got ${v}`, 'template-version');
  return n;
};

function printPreview(r: any) {
  for (const [ch, c] of Object.entries<any>(r.rendered)) {
    out(`== ${ch} ==\n`);
    for (const [k, val] of Object.entries<any>(c)) {
      if (k === 'channel') continue;
      if (k === 'sms') out(`(${val.characters} characters, ${val.encoding}, ${val.segments} segment${val.segments === 1 ? '' : 's'})\n`);
      else out(`${k}: ${typeof val === 'string' ? val : JSON.stringify(val)}\n`);
    }
  }
  for (const [ch, f] of Object.entries<any>(r.failed)) out(`== ${ch} == FAILED ${f.code}${f.field ? ` [${f.field}]` : ''}: ${f.message}\n`);
  if (r.examples_used.length) out(`(example values used for: ${r.examples_used.join(', ')})\n`);
}

export function registerTemplates(program: Command) {
  const t = program.command('templates').description('message templates (Liquid) per messaging channel: create, update, list, show, delete, preview');

  withStoreOptions(t.command('create'))
    .requiredOption('--file <file>', 'JSON file: { name, description, content } or just the content ({ "sms": { "text": "…" } })')
    .option('--name <name>', 'template name (overrides the file)')
    .option('--description <text>', 'what the template is for')
    .option('--json', 'print JSON')
    .description('create a template; syntax errors and unknown variables are refused with the field')
    .action((opts) =>
      withApi(opts, async (api) => {
        const f = readTemplateFile(opts.file);
        const body = { name: opts.name ?? f.name, description: opts.description ?? f.description, content: f.content };
        const r = expectOk(await api.request('POST', '/api/templates', body), 'templates create');
        if (opts.json) return void out(JSON.stringify(r, null, 2) + '\n');
        out(`created template ${r.name} (${r.id}) version ${r.version}: ${r.channels.join(', ')}\n`);
      }),
    );

  withStoreOptions(t.command('update'))
    .argument('<template>', 'template id or name')
    .option('--file <file>', 'JSON file with new content (saved as a new version), or a body with name/description/content')
    .option('--name <name>', 'new name')
    .option('--description <text>', 'new description')
    .option('--json', 'print JSON')
    .description('rename or describe a template; new content becomes a new version')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const f = opts.file ? readTemplateFile(opts.file) : {};
        const body: Record<string, unknown> = {};
        if (f.content !== undefined) body.content = f.content;
        const name = opts.name ?? f.name;
        const description = opts.description ?? f.description;
        if (name !== undefined) body.name = name;
        if (description !== undefined) body.description = description;
        const r = expectOk(await api.request('PATCH', path(ref), body), 'templates update');
        if (opts.json) return void out(JSON.stringify(r, null, 2) + '\n');
        out(`updated template ${r.name} (${r.id}): version ${r.version}\n`);
      }),
    );

  withStoreOptions(t.command('list'))
    .option('--q <text>', 'only names containing this')
    .option('--json', 'print JSON')
    .description('list templates')
    .action((opts) =>
      withApi(opts, async (api) => {
        const q = opts.q ? `?q=${encodeURIComponent(opts.q)}&limit=500` : '?limit=500';
        const { data } = expectOk(await api.request('GET', `/api/templates${q}`), 'templates list');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        if (data.length === 0) return void out('no templates\n');
        for (const x of data) out(`${x.name}\tv${x.version}\t${x.channels.join(',')}\t${x.id}\n`);
      }),
    );

  withStoreOptions(t.command('show'))
    .argument('<template>', 'template id or name')
    .option('--template-version <n>', 'a past version (--version is the program version)', positiveInt)
    .option('--json', 'print JSON')
    .description('show a template with its content')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('GET', path(ref) + (opts.templateVersion ? `?version=${opts.templateVersion}` : '')), 'templates show');
        if (opts.json) return void out(JSON.stringify(r, null, 2) + '\n');
        out(`${r.name} (${r.id}) version ${r.version} of ${r.current_version}${r.description ? ` — ${r.description}` : ''}\n`);
        out(`variables: ${r.variables.join(', ') || '-'}\n`);
        out(JSON.stringify(r.content, null, 2) + '\n');
      }),
    );

  withStoreOptions(t.command('delete'))
    .argument('<template>', 'template id or name')
    .description('delete a template (its versions stay for the sends that used them)')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        expectOk(await api.request('DELETE', path(ref)), 'templates delete');
        out(`deleted template ${ref}\n`);
      }),
    );

  withStoreOptions(t.command('preview'))
    .argument('[template]', 'template id or name (or --file for unsaved content)')
    .requiredOption('--member <ref>', 'a real member: mem_…, user_id:u1, phone:138…')
    .option('--file <file>', 'preview unsaved content from this JSON file instead')
    .option('--channel <type>', `one channel (${MESSAGING_CHANNEL_TYPES.join(', ')})`)
    .option('--template-version <n>', 'a past version (--version is the program version)', positiveInt)
    .option('--extras <json>', 'values of caller-supplied variables, e.g. {"coupon":{"code":"X1"}}')
    .option('--json', 'print JSON')
    .description("render a template for a real member with the member's data")
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        if (!ref && !opts.file) throw invalid('cli.template_required', 'Name a template or give --file', 'template');
        let extras: unknown;
        if (opts.extras) {
          try {
            extras = JSON.parse(opts.extras);
          } catch {
            throw invalid('cli.extras_invalid', '--extras must be a JSON object', 'extras');
          }
        }
        const common = { member: opts.member, ...(opts.channel ? { channel: opts.channel } : {}), ...(extras ? { extras } : {}) };
        const res = opts.file
          ? await api.request('POST', '/api/templates/preview', { content: readTemplateFile(opts.file).content, ...common })
          : await api.request('POST', `${path(ref)}/preview`, { ...common, ...(opts.templateVersion ? { version: opts.templateVersion } : {}) });
        const r = expectOk(res, 'templates preview');
        if (opts.json) return void out(JSON.stringify(r, null, 2) + '\n');
        printPreview(r);
      }),
    );
}

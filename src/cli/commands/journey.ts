// `siyu journey create|list|show|update|publish|pause|resume|archive|stats|instances|enter|run|templates`: journeys through the
// API; a definition comes from a JSON file (the definition itself, or { name, description, definition }).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { invalid } from '../../core/errors.ts';
import { expectOk, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

const out = (s: string) => process.stdout.write(s);
const path = (ref: string, rest = '') => `/api/journeys/${encodeURIComponent(ref)}${rest}`;

/** Reads a journey file: a bare definition (has `steps`), or a body with `definition`. */
export function readJourneyFile(file: string): { name?: string; description?: string; definition: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw invalid('cli.file_invalid', `${file} is not a readable JSON file: ${(e as Error).message}`, 'file');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('cli.file_invalid', `${file} must hold a JSON object`, 'file');
  const o = parsed as Record<string, unknown>;
  if ('steps' in o) return { definition: o };
  return { name: o.name as string | undefined, description: o.description as string | undefined, definition: o.definition };
}

/** `--param k=v` (repeatable) → { k: v }; numbers stay numbers. */
function collectParam(v: string, acc: Record<string, string | number>) {
  const i = v.indexOf('=');
  if (i < 1) throw invalid('cli.param_invalid', `--param takes name=value, got ${v}`, 'param');
  const raw = v.slice(i + 1);
  acc[v.slice(0, i)] = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  return acc;
}

function collectMap(v: string, acc: Record<string, string>) {
  const [from, to] = v.split('=');
  if (!from || !to) throw invalid('cli.map_invalid', `--map takes old_step=new_step, got ${v}`, 'map');
  acc[from] = to;
  return acc;
}

const line = (j: any) => `${j.name}\t${j.status}\tv${j.version}\t${j.draft?.trigger?.type ?? '-'}${j.draft?.trigger?.event ? ` ${j.draft.trigger.event}` : ''}\t${j.id}\n`;

function printStats(s: any) {
  const t = s.totals;
  out(`${s.name} (${s.status}, ${s.version ? `version ${s.version} only` : `version ${s.current_version}`}): entered ${t.entered}, active ${t.active}, completed ${t.completed}, exited ${t.exited}, goal ${t.goal}, holdout ${t.holdout}, failed ${t.failed}\n`);
  out('step\ttype\tentered\twaiting\tcompleted\tgoal\toutcomes\n');
  for (const st of s.steps) {
    const outcomes = Object.entries(st.outcomes).map(([k, v]) => `${k}=${v}`).join(' ');
    out(`${st.step_id}\t${st.type}\t${st.entered}\t${st.waiting}\t${st.completed}\t${st.exited_by_goal}\t${outcomes}\n`);
  }
}

export function registerJourney(program: Command) {
  const j = program.command('journey').description('journeys: triggered, versioned member flows — create, publish, pause, resume, stats, standard plays');

  withStoreOptions(j.command('templates'))
    .description('list the standard plays (create one with journey create --template ID --param k=v …)')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const { data } = expectOk(await api.request('GET', '/api/journeys/templates'), 'journey templates');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        for (const p of data) {
          out(`${p.id}\t${p.name_zh} / ${p.name}\n  ${p.description}\n`);
          for (const x of p.params) out(`  --param ${x.name}=…\t${x.required ? 'required' : `optional${x.default !== undefined ? `, default ${x.default}` : ''}`}: ${x.description}\n`);
        }
      }),
    );

  withStoreOptions(j.command('create'))
    .option('--file <file>', 'JSON file: the definition, or { name, description, definition }')
    .option('--template <id>', 'build the definition from a standard play (see journey templates)')
    .option('--param <name=value>', 'a template param (repeatable)', collectParam, {})
    .option('--name <name>', 'journey name (overrides the file)')
    .option('--description <text>', 'what the journey is for')
    .option('--publish', 'publish right away')
    .option('--json', 'print JSON')
    .description('create a draft journey from a file or a standard play')
    .action((opts) =>
      withApi(opts, async (api) => {
        const f = opts.file ? readJourneyFile(opts.file) : null;
        if (!f && !opts.template) throw invalid('cli.journey_source_missing', 'give --file or --template', 'file');
        const name = opts.name ?? f?.name;
        if (!name) throw invalid('cli.name_missing', '--name is required (or a name in the file)', 'name');
        const body = {
          name, description: opts.description ?? f?.description,
          ...(f ? { definition: f.definition } : { template: opts.template, params: opts.param }),
        };
        let r = expectOk(await api.request('POST', '/api/journeys', body), 'journey create');
        if (opts.publish) r = expectOk(await api.request('POST', path(r.id, '/publish'), {}), 'journey publish');
        if (opts.json) return void out(JSON.stringify(r, null, 2) + '\n');
        out(`created journey ${r.name} (${r.id}) ${r.status}${r.version ? ` version ${r.version}` : ''}\n`);
      }),
    );

  withStoreOptions(j.command('update'))
    .argument('<journey>', 'journey id or name')
    .option('--file <file>', 'JSON file with the new draft definition')
    .option('--name <name>', 'new name')
    .option('--description <text>', 'new description')
    .description('edit the draft (publish to make it count)')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const f = opts.file ? readJourneyFile(opts.file) : null;
        const r = expectOk(await api.request('PATCH', path(ref), { ...(f ? { definition: f.definition } : {}), ...(opts.name ? { name: opts.name } : {}), ...(opts.description ? { description: opts.description } : {}) }), 'journey update');
        out(`updated draft of journey ${r.name} (${r.id})\n`);
      }),
    );

  withStoreOptions(j.command('list'))
    .description('list journeys')
    .option('--status <statuses>', 'only these statuses, comma-separated: draft,live,paused,archived')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const { data } = expectOk(await api.request('GET', `/api/journeys${opts.status ? `?status=${encodeURIComponent(opts.status)}` : ''}`), 'journey list');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        if (data.length === 0) return void out('no journeys\n');
        for (const x of data) out(line(x));
      }),
    );

  withStoreOptions(j.command('show'))
    .argument('<journey>', 'journey id or name')
    .description('show a journey as JSON: status, draft and the published (pinned) definition')
    .action((ref, opts) => withApi(opts, async (api) => void out(JSON.stringify(expectOk(await api.request('GET', path(ref)), 'journey show'), null, 2) + '\n')));

  withStoreOptions(j.command('publish'))
    .argument('<journey>', 'journey id or name')
    .option('--migrate', 'move members in flight to the new version (steps by the same id, or by --map)')
    .option('--map <old=new>', 'place members on a dropped step on a step of the new version (repeatable)', collectMap, {})
    .description('publish the draft as a new version; members in flight stay on theirs unless --migrate')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('POST', path(ref, '/publish'), { migrate: Boolean(opts.migrate), mapping: opts.map }), 'journey publish');
        out(`published journey ${r.name} version ${r.version} (${r.status})${opts.migrate ? `; ${r.migrated} member(s) moved` : ''}\n`);
      }),
    );

  for (const [cmd, verb, done] of [['pause', 'pause a live journey (no entries; members hold their position)', 'paused'], ['resume', 'resume a paused journey', 'resumed'], ['archive', 'archive a journey (members in flight exit)', 'archived']] as const) {
    withStoreOptions(j.command(cmd))
      .argument('<journey>', 'journey id or name')
      .description(verb)
      .action((ref, opts) =>
        withApi(opts, async (api) => {
          const r = expectOk(await api.request('POST', path(ref, `/${cmd}`)), `journey ${cmd}`);
          out(`${done} journey ${r.name} (${r.status})\n`);
        }),
      );
  }

  withStoreOptions(j.command('stats'))
    .argument('<journey>', 'journey id or name')
    .option('--journey-version <n>', 'only this version')
    .option('--json', 'print JSON')
    .description('per-step counts: entered, waiting now, completed, exited by goal, outcomes (sent, skipped, A/B branches)')
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const s = expectOk(await api.request('GET', path(ref, `/stats${opts.journeyVersion ? `?version=${Number(opts.journeyVersion)}` : ''}`)), 'journey stats');
        if (opts.json) return void out(JSON.stringify(s, null, 2) + '\n');
        printStats(s);
      }),
    );

  withStoreOptions(j.command('enter'))
    .argument('<journey>', 'journey id or name')
    .argument('<members...>', 'member refs (the re-entry rule applies)')
    .description('enter members by hand and run them now')
    .option('--properties <json>', 'entry properties as JSON (e.g. {"cart_id":"c1"})')
    .option('--json', 'print JSON')
    .action((ref: string, members: string[], opts) =>
      withApi(opts, async (api) => {
        let properties: unknown;
        if (opts.properties) {
          try {
            properties = JSON.parse(opts.properties);
          } catch {
            throw invalid('cli.properties_invalid', '--properties is not JSON', 'properties');
          }
        }
        const r = expectOk(await api.request('POST', path(ref, '/enter'), { members, ...(properties ? { properties } : {}) }), 'journey enter');
        if (opts.json) return void out(JSON.stringify(r, null, 2) + '\n');
        const nf = Array.isArray(r.not_found) ? r.not_found : [];
        out(`entered ${r.entered} of ${r.requested}${r.held_out ? `, ${Array.isArray(r.held_out) ? r.held_out.length : r.held_out} held out` : ''}${r.skipped ? `, ${Array.isArray(r.skipped) ? r.skipped.length : r.skipped} skipped` : ''}${nf.length ? `; not found: ${nf.join(', ')}` : ''}\n`);
      }),
    );

  withStoreOptions(j.command('run'))
    .description('run the trigger catch-up sweep and everything due now (the workers do this continuously)')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const r = expectOk(await api.request('POST', '/api/journeys/run', {}), 'journey run');
        out(JSON.stringify(r, null, opts.json ? 2 : 0) + '\n');
      }),
    );

  withStoreOptions(j.command('instances'))
    .argument('<journey>', 'journey id or name')
    .option('--state <states>', 'active, completed, exited, goal, holdout, failed, archived (comma-separated)')
    .option('--member <ref>', "one member's instances")
    .option('--limit <n>', 'rows (1-1000)', '100')
    .option('--json', 'print JSON')
    .description("members' positions in a journey, newest first")
    .action((ref, opts) =>
      withApi(opts, async (api) => {
        const q = new URLSearchParams({ limit: String(opts.limit) });
        if (opts.state) q.set('state', opts.state);
        if (opts.member) q.set('member', opts.member);
        const page = expectOk(await api.request('GET', path(ref, `/instances?${q}`)), 'journey instances');
        if (opts.json) return void out(JSON.stringify(page, null, 2) + '\n');
        for (const i of page.data) out(`${i.member_id}\t${i.state}\t${i.step_id}\tv${i.version}${i.instance_key ? `\tkey ${i.instance_key}` : ''}${i.wake_at ? `\twake ${i.wake_at}` : ''}\t${i.entered_at}\n`);
      }),
    );
}

// `siyu tags list|create|add|remove` and `siyu tag-groups list|create`: tags through the API, bulk from a file.
import type { Command } from 'commander';
import { SiyuError } from '../../core/errors.ts';
import { connectApi, expectOk, type ApiClient, withApi } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';
import { readRefFile, type RefLine } from './ref-file.ts';

/** Refs per request: the API's bulk limit. */
export const BATCH = 1000;

const out = (s: string) => process.stdout.write(s);

/**
 * Sends the refs in batches of {@link BATCH} to POST or DELETE /api/tags/{tag}/members and sums the results.
 * Returns the file lines whose ref matched no member.
 */
export async function bulkTag(
  api: ApiClient,
  method: 'POST' | 'DELETE',
  tag: string,
  refs: RefLine[],
  opts: { create?: boolean; source?: string; onBatch?: (done: number) => void } = {},
) {
  const totals = { added: 0, already_tagged: 0, removed_from_group: 0, removed: 0, not_tagged: 0, matched: 0 };
  const missingLines: number[] = [];
  const path = `/api/tags/${encodeURIComponent(tag)}/members`;
  for (let i = 0; i < refs.length; i += BATCH) {
    const batch = refs.slice(i, i + BATCH);
    // Empty cells cannot be sent (the API wants non-empty refs) but are reported like unknown refs.
    const sendable = batch.filter((r) => r.ref !== '');
    for (const r of batch) if (r.ref === '') missingLines.push(r.line);
    if (sendable.length === 0) continue;
    const body =
      method === 'POST'
        ? { members: sendable.map((r) => r.ref), ...(opts.source ? { source: opts.source } : {}), ...(opts.create ? { create_missing_tag: true } : {}) }
        : { members: sendable.map((r) => r.ref) };
    const res = expectOk(await api.request(method, path, body), method === 'POST' ? 'tags add' : 'tags remove');
    for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += Number(res[k] ?? 0);
    const notFound = new Set<string>(res.not_found);
    for (const r of sendable) if (notFound.has(r.ref)) missingLines.push(r.line);
    opts.onBatch?.(Math.min(i + BATCH, refs.length));
  }
  missingLines.sort((a, b) => a - b);
  return { ...totals, not_found: missingLines.length, missing_lines: missingLines };
}

function failOnMissing(lines: number[], file: string) {
  if (lines.length === 0) return;
  throw new SiyuError('not_found', 'tags.refs_not_found', `${lines.length} refs in ${file} match no member, at lines ${lines.join(', ')}`, { field: 'file' });
}

export function registerTags(program: Command) {
  const tags = program.command('tags').description('tags: list, create, add to or remove from members in bulk');

  withStoreOptions(tags.command('list'))
    .description('list tags with their group and member count')
    .option('--group <group>', 'only tags of this group (id or name)')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const q = opts.group ? `?group=${encodeURIComponent(opts.group)}` : '';
        const { data } = expectOk(await api.request('GET', `/api/tags${q}`), 'tags list');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        if (data.length === 0) return void out('no tags\n');
        for (const t of data) out(`${t.name}\t${t.group ? t.group.name + (t.group.exclusive ? ' (exclusive)' : '') : '-'}\t${t.kind}\t${t.member_count} members\t${t.id}\n`);
      }),
    );

  withStoreOptions(tags.command('create'))
    .argument('<name>', 'tag name, unique in the workspace')
    .description('create a tag')
    .option('--group <group>', 'tag group (id or name)')
    .option('--description <text>', 'what the tag means')
    .option('--kind <kind>', 'manual or imported', 'manual')
    .action((name, opts) =>
      withApi(opts, async (api) => {
        const t = expectOk(await api.request('POST', '/api/tags', { name, group: opts.group, description: opts.description, kind: opts.kind }), 'tags create');
        out(`created tag ${t.name} (${t.id})${t.group ? ` in group ${t.group.name}` : ''}\n`);
      }),
    );

  for (const [verb, method] of [['add', 'POST'], ['remove', 'DELETE']] as const) {
    const cmd = withStoreOptions(tags.command(verb))
      .argument('<tag>', 'tag name or id')
      .requiredOption('--file <file>', 'one member ref per line (mem_…, user_id:u1, phone:138…), or a CSV with a ref, member_id, user_id or phone column')
      .option('--type <type>', 'identifier type of bare values in the file, e.g. phone or user_id')
      .option('--json', 'print JSON')
      .description(verb === 'add' ? 'tag the members listed in a file' : 'untag the members listed in a file');
    if (verb === 'add') cmd.option('--create', 'create the tag if it does not exist').option('--source <source>', 'where the tagging came from', 'import');
    cmd.action((tag, opts) =>
      withApi(opts, async (api) => {
        const refs = readRefFile(opts.file, opts.type);
        const progress = process.stderr.isTTY ? (n: number) => process.stderr.write(`\r${n}/${refs.length} refs sent`) : undefined;
        const r = await bulkTag(api, method, tag, refs, { create: opts.create, source: opts.source, onBatch: progress });
        if (progress) process.stderr.write('\n');
        if (opts.json) out(JSON.stringify({ tag, refs: refs.length, ...r }) + '\n');
        else if (verb === 'add') out(`${tag}: added ${r.added}, already tagged ${r.already_tagged}, not found ${r.not_found}${r.removed_from_group ? `, removed from exclusive group ${r.removed_from_group}` : ''} (${refs.length} refs)\n`);
        else out(`${tag}: removed ${r.removed}, not tagged ${r.not_tagged}, not found ${r.not_found} (${refs.length} refs)\n`);
        failOnMissing(r.missing_lines, opts.file);
      }),
    );
  }

  const groups = program.command('tag-groups').description('tag groups (e.g. 价格敏感型/品质追求型/新品尝试型 in one exclusive group)');
  withStoreOptions(groups.command('list'))
    .description('list tag groups')
    .option('--json', 'print JSON')
    .action((opts) =>
      withApi(opts, async (api) => {
        const { data } = expectOk(await api.request('GET', '/api/tag-groups'), 'tag-groups list');
        if (opts.json) return void out(JSON.stringify(data, null, 2) + '\n');
        if (data.length === 0) return void out('no tag groups\n');
        for (const g of data) out(`${g.name}\t${g.exclusive ? 'exclusive' : '-'}\t${g.tag_count} tags\t${g.id}\n`);
      }),
    );
  withStoreOptions(groups.command('create'))
    .argument('<name>', 'group name')
    .description('create a tag group')
    .option('--exclusive', 'a member holds at most one tag of this group')
    .option('--description <text>', 'what the group is for')
    .action((name, opts) =>
      withApi(opts, async (api) => {
        const g = expectOk(await api.request('POST', '/api/tag-groups', { name, exclusive: Boolean(opts.exclusive), description: opts.description }), 'tag-groups create');
        out(`created tag group ${g.name} (${g.id})${g.exclusive ? ', exclusive' : ''}\n`);
      }),
    );
}

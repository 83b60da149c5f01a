// `siyu user create|list|update|disable|enable|reset-password|delete`: console users of the workspace of the admin key
// in use. A user is named by id or username. Passwords not given are generated and printed once.
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { SiyuError } from '../../core/errors.ts';
import { expectOk, withApi, type ApiClient } from '../api-client.ts';
import { withStoreOptions } from '../options.ts';

const out = (s: string): void => void process.stdout.write(s);
const ROLES = 'admin, operator, analyst or viewer';
const generatePassword = () => randomBytes(12).toString('base64url');

async function resolveUser(api: ApiClient, ref: string): Promise<{ id: string; username: string }> {
  const { data } = expectOk(await api.request<{ data: Array<{ id: string; username: string }> }>('GET', '/api/users'), 'user list');
  const u = data.find((x) => x.id === ref || x.username === ref.toLowerCase());
  if (!u) throw new SiyuError('not_found', 'user.not_found', `No user ${ref}`, { field: 'user' });
  return u;
}

const line = (u: any) => `${u.id}\t${u.username}\t${u.role}\t${u.display_name ?? ''}\t${u.disabled_at ? 'disabled' : u.locked_until && Date.parse(u.locked_until) > Date.now() ? 'locked' : 'active'}\t${u.last_login_at ?? '-'}\n`;

export function registerUser(program: Command) {
  const user = program.command('user').alias('users').description('manage console users and their roles');

  withStoreOptions(user.command('create'))
    .argument('<username>')
    .description('create a user; without --password one is generated and printed once')
    .requiredOption('--role <role>', ROLES)
    .option('--password <password>', 'initial password (8+ characters)')
    .option('--name <name>', 'display name')
    .option('--email <email>', 'email')
    .option('--json', 'print JSON')
    .action(async (username, opts) =>
      withApi(opts, async (api) => {
        const password = opts.password ?? generatePassword();
        const u = expectOk(await api.request('POST', '/api/users', { username, password, role: opts.role, display_name: opts.name, email: opts.email }), 'user create');
        if (opts.json) return out(JSON.stringify({ ...u, ...(opts.password ? {} : { password }) }) + '\n');
        out(`created ${u.role} ${u.username} (${u.id})\n`);
        if (!opts.password) out(`password: ${password}\n(store it now: it is not shown again)\n`);
      }),
    );

  withStoreOptions(user.command('list'))
    .description('list users: id, username, role, name, state, last sign-in')
    .option('--json', 'print JSON')
    .action(async (opts) =>
      withApi(opts, async (api) => {
        const { data } = expectOk(await api.request('GET', '/api/users'), 'user list');
        if (opts.json) return out(JSON.stringify(data) + '\n');
        for (const u of data) out(line(u));
      }),
    );

  withStoreOptions(user.command('update'))
    .argument('<user>', 'id or username')
    .description("change a user's role, display name or email")
    .option('--role <role>', ROLES)
    .option('--name <name>', 'display name')
    .option('--email <email>', 'email')
    .action(async (ref, opts) =>
      withApi(opts, async (api) => {
        const { id } = await resolveUser(api, ref);
        const u = expectOk(await api.request('PATCH', `/api/users/${encodeURIComponent(id)}`, { role: opts.role, display_name: opts.name, email: opts.email }), 'user update');
        out(line(u));
      }),
    );

  for (const [name, what] of [['disable', 'disable a user: sign-in refused, sessions end at once'], ['enable', 'enable a user again (also lifts a lock-out)']] as const) {
    withStoreOptions(user.command(name))
      .argument('<user>', 'id or username')
      .description(what)
      .action(async (ref, opts) =>
        withApi(opts, async (api) => {
          const { id } = await resolveUser(api, ref);
          out(line(expectOk(await api.request('POST', `/api/users/${encodeURIComponent(id)}/${name}`), `user ${name}`)));
        }),
      );
  }

  withStoreOptions(user.command('reset-password'))
    .argument('<user>', 'id or username')
    .description("set a user's password (generated and printed once without --password); their sessions end")
    .option('--password <password>', 'new password (8+ characters)')
    .action(async (ref, opts) =>
      withApi(opts, async (api) => {
        const { id, username } = await resolveUser(api, ref);
        const password = opts.password ?? generatePassword();
        expectOk(await api.request('POST', `/api/users/${encodeURIComponent(id)}/reset-password`, { password }), 'user reset-password');
        out(`password of ${username} reset\n`);
        if (!opts.password) out(`password: ${password}\n(store it now: it is not shown again)\n`);
      }),
    );

  withStoreOptions(user.command('delete'))
    .argument('<user>', 'id or username')
    .description('delete a user and their sessions')
    .action(async (ref, opts) =>
      withApi(opts, async (api) => {
        const { id, username } = await resolveUser(api, ref);
        expectOk(await api.request('DELETE', `/api/users/${encodeURIComponent(id)}`), 'user delete');
        out(`deleted ${username}\n`);
      }),
    );
}

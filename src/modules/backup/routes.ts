// GET /api/system/backup: the backup archive of the whole store, streamed from one consistent snapshot while the
// server keeps running (the way to back up a DuckDB file a server owns).
import { PassThrough } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { SiyuError } from '../../core/errors.ts';
import type { Services } from '../../server/services.ts';
import { can, workspaceOf } from '../../server/auth.ts';
import { DEFAULT_WORKSPACE } from '../workspaces/service.ts';
import { writeBackup } from './backup.ts';

export const BACKUP_PERMISSION = 'system.backup';

export function backupRoutes(s: Services): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/api/system/backup',
      {
        config: { permission: BACKUP_PERMISSION },
        schema: {
          tags: ['system'],
          summary: 'Download a backup archive of the whole store (every workspace; gzip JSON lines, see docs/backup.md)',
          description: 'Needs the system.backup permission on a key or user of the default workspace: the archive holds every brand on this installation.',
        },
      },
      async (req, reply) => {
        if (!can(req, BACKUP_PERMISSION)) throw new SiyuError('forbidden', 'auth.forbidden', `This route needs the ${BACKUP_PERMISSION} permission`, { field: 'authorization' });
        // The archive holds every workspace, so only the installation's own (default) workspace may take it.
        if (workspaceOf(req) !== DEFAULT_WORKSPACE) {
          throw new SiyuError('forbidden', 'backup.default_workspace_only', 'A backup holds every workspace: only keys and users of the default workspace may take one', { field: 'authorization' });
        }
        const body = new PassThrough();
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        writeBackup(s.store, body).catch((e) => {
          // Headers are gone: the client sees a cut-off archive, which `siyu backup` and restores refuse.
          req.log.error({ err: e }, 'backup failed');
          body.destroy(e as Error);
        });
        return reply
          .header('content-type', 'application/gzip')
          .header('content-disposition', `attachment; filename="siyu-${stamp}.backup.gz"`)
          .header('cache-control', 'no-store')
          .send(body);
      },
    );
  };
}

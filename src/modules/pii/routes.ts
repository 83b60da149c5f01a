// HTTP routes of personal data protection: which keys seal the stored data, and re-encryption to the current key
// (rotation; also finishes sealing rows an upgrade left in plaintext). Keys are per installation, not per workspace.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { piiKeyring } from '../../core/pii/index.ts';
import type { Services } from '../../server/services.ts';
import { SealPass } from './seal-pass.ts';

const RotateBody = z
  .object({
    /** Members (and as many identities) per committed batch. */
    batch_size: z.number().int().min(1).max(50_000).default(5000),
    /** Stop after this many batches (resume with another call); default: until done. */
    max_batches: z.number().int().min(1).optional(),
  })
  .strict();

export function piiRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['pii'];

    app.get('/api/pii/keys', { schema: { tags, summary: 'Data key ids (first is current) and how many stored values are not yet under the current key' } }, async () => {
      const k = piiKeyring();
      return { current_key_id: k.current.id, key_ids: k.ids, remaining: await new SealPass(s.store).remaining() };
    });

    app.post(
      '/api/pii/rotate',
      {
        schema: {
          tags,
          summary: 'Re-encrypt stored personal data under the current key in committed batches (resumable: run again to continue); { members, identities, batches, remaining }',
          body: RotateBody,
        },
      },
      async (req) => new SealPass(s.store).run({ batchSize: req.body.batch_size, maxBatches: req.body.max_batches }),
    );
  };
}

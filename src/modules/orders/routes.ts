// HTTP routes: POST /v1/orders and /v1/refunds (write or admin key), GET /api/orders and /api/orders/:id.
import type { FastifyPluginAsync, FastifySchemaCompiler } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Services } from '../../server/services.ts';
import { workspaceOf } from '../../server/auth.ts';
import { batchItems, MAX_BATCH, OrderSchema, RefundSchema } from './schema.ts';
import { pageLimit } from '../../core/pagination.ts';

// The bodies are documented with the zod schemas but validated by the service, element by element, so errors
// name the element-relative field (`items.0.quantity`) with a stable code instead of a generic union failure.
const passThrough: FastifySchemaCompiler<unknown> = () => (data) => ({ value: data });

const OrdersBody = z.union([OrderSchema, z.object({ orders: z.array(OrderSchema).min(1).max(MAX_BATCH) }).strict()]);
const RefundsBody = z.union([RefundSchema, z.object({ refunds: z.array(RefundSchema).min(1).max(MAX_BATCH) }).strict()]);

const ListQuery = z
  .object({
    member: z.string().min(1).optional().describe('member id or type:value, e.g. user_id:u1'),
    limit: pageLimit(20, 200),
    cursor: z.string().min(1).optional(),
  })
  .strict();

export function orderRoutes(s: Services): FastifyPluginAsync {
  return async (root) => {
    const app = root.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/v1/orders',
      {
        config: { auth: 'write' },
        validatorCompiler: passThrough,
        schema: {
          tags: ['orders'],
          summary: 'Upsert orders by order_id (one object or { orders: [...] }, up to 1000); answered after commit',
          body: OrdersBody,
        },
      },
      async (req) => {
        const ws = workspaceOf(req);
        const items = batchItems(req.body, 'orders');
        const channel = req.principal?.channel ?? null;
        const r = await s.store.transaction((tx) => s.orders.upsertOrders(tx, ws, items, { channel }));
        return { success: true, orders: r.accepted };
      },
    );

    app.post(
      '/v1/refunds',
      {
        config: { auth: 'write' },
        validatorCompiler: passThrough,
        schema: {
          tags: ['orders'],
          summary: 'Record full or partial refunds (one object or { refunds: [...] }, up to 1000); idempotent by refund_id',
          body: RefundsBody,
        },
      },
      async (req) => {
        const ws = workspaceOf(req);
        const items = batchItems(req.body, 'refunds');
        const channel = req.principal?.channel ?? null;
        const r = await s.store.transaction((tx) => s.orders.addRefunds(tx, ws, items, { channel }));
        return { success: true, refunds: r.accepted };
      },
    );

    app.get(
      '/api/orders/:id',
      { schema: { tags: ['orders'], summary: 'One order with its lines and refunds', params: z.object({ id: z.string().min(1) }) } },
      async (req) => s.orders.getOrder(workspaceOf(req), req.params.id),
    );

    app.get(
      '/api/orders',
      { schema: { tags: ['orders'], summary: 'Orders newest first, optionally of one member; page with next_cursor', querystring: ListQuery } },
      async (req) => s.orders.listOrders(workspaceOf(req), req.query),
    );
  };
}

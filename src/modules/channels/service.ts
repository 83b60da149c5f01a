// Source channels: the catalogue plus brand-defined channels, each with what arrived through it.
import { SiyuError } from '../../core/errors.ts';
import type { Store } from '../../store/port.ts';
import { BUILTIN_CHANNELS, type ChannelDef } from './catalogue.ts';

export interface ChannelStats extends ChannelDef {
  builtin: boolean;
  members: number;
  orders: number;
  gmv: number;
  events: number;
}

export class ChannelService {
  constructor(private readonly store: Store) {}

  /** Registers or renames a brand channel (e.g. `store_sh_01`, a livestream room). */
  async upsert(ws: string, c: ChannelDef): Promise<void> {
    if (!/^[a-z0-9_:-]{1,64}$/.test(c.id)) {
      throw new SiyuError('invalid_data', 'channel.invalid_id', 'Channel id must be 1-64 lowercase letters, digits, _ : or -', { field: 'id' });
    }
    await this.store.exec(
      `INSERT INTO channels (workspace_id, id, name, kind) VALUES ($1, $2, $3, $4)
       ON CONFLICT (workspace_id, id) DO UPDATE SET name = excluded.name, kind = excluded.kind`,
      [ws, c.id, c.name, c.kind],
    );
  }

  /** Every channel known or seen in the data, with member, order, GMV and event counts for comparison. */
  async list(ws: string): Promise<ChannelStats[]> {
    const [custom, members, orders, events] = await Promise.all([
      this.store.query<{ id: string; name: string; kind: ChannelDef['kind'] }>('SELECT id, name, kind FROM channels WHERE workspace_id = $1', [ws]),
      this.store.query<{ channel: string; n: number }>(
        'SELECT source_channel AS channel, count(*) AS n FROM members WHERE workspace_id = $1 AND merged_into IS NULL AND source_channel IS NOT NULL GROUP BY source_channel',
        [ws],
      ),
      this.store.query<{ channel: string; n: number; gmv: number }>(
        'SELECT channel, count(*) AS n, COALESCE(sum(amount - refunded_amount), 0) AS gmv FROM orders WHERE workspace_id = $1 AND channel IS NOT NULL GROUP BY channel',
        [ws],
      ),
      this.store.query<{ channel: string; n: number }>(
        'SELECT channel, count(*) AS n FROM events WHERE workspace_id = $1 AND channel IS NOT NULL GROUP BY channel',
        [ws],
      ),
    ]);
    const byId = new Map<string, ChannelStats>();
    const ensure = (id: string): ChannelStats => {
      let c = byId.get(id);
      if (!c) {
        const def = BUILTIN_CHANNELS.find((b) => b.id === id);
        c = { ...(def ?? { id, name: id, name_en: id, kind: 'other' as const }), builtin: !!def, members: 0, orders: 0, gmv: 0, events: 0 };
        byId.set(id, c);
      }
      return c;
    };
    for (const b of BUILTIN_CHANNELS) ensure(b.id);
    for (const c of custom) Object.assign(ensure(c.id), { name: c.name, kind: c.kind });
    for (const r of members) ensure(r.channel).members = r.n;
    for (const r of orders) Object.assign(ensure(r.channel), { orders: r.n, gmv: Math.round(r.gmv * 100) / 100 });
    for (const r of events) ensure(r.channel).events = r.n;
    return [...byId.values()].sort((a, b) => b.orders - a.orders || b.members - a.members || a.id.localeCompare(b.id));
  }
}

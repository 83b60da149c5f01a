// Pure: SOP content for one group — Liquid over group facts (no member variables: a group post is one message for
// everyone in it), checked when the SOP is saved.
import { Liquid } from 'liquidjs';
import { invalid } from '../../core/errors.ts';
import type { RenderedContent } from '../messaging/types.ts';
import type { GroupRow } from './repo.ts';

const engine = new Liquid({ strictFilters: true, ownPropertyOnly: true, cache: 100 });

export interface SopContent {
  text?: string;
  attachments?: Record<string, unknown>[];
}

/** Throws `sop.content_invalid` when the text is not valid Liquid. */
export function checkSopContent(c: SopContent): void {
  if (!c.text) return;
  try {
    engine.parse(c.text);
  } catch (e) {
    throw invalid('sop.content_invalid', `content.text is not valid Liquid: ${(e as Error).message}`, 'content.text');
  }
}

/**
 * The post for `g`: text rendered with `group` (name, positioning, value_tier, member_count, owner_userid, tags),
 * `sop.name` and `tick_date` (the local date of the tick); attachments as given.
 * @example renderForGroup({ text: '{{ group.name }} 周三会员日' }, group, { name: 'weekly' }, '2024-05-01') // { channel: 'wecom', text: '…' }
 */
export function renderForGroup(c: SopContent, g: GroupRow, sop: { name: string }, tickDate: string): RenderedContent {
  const scope = {
    group: { id: g.id, chat_id: g.chat_id, name: g.name ?? '', positioning: g.positioning ?? '', value_tier: g.value_tier ?? '', member_count: g.member_count, owner_userid: g.owner_userid ?? '', tags: g.tags },
    sop: { name: sop.name },
    tick_date: tickDate,
  };
  const text = c.text ? engine.parseAndRenderSync(c.text, scope) : undefined;
  return { channel: 'wecom', ...(text ? { text } : {}), ...(c.attachments?.length ? { attachments: c.attachments } : {}) } as RenderedContent;
}

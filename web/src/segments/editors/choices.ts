// Choices the rule builder's editors offer from the API (tiers, coupon templates, customer groups, order channels),
// cached briefly per page.
import { useEffect, useState } from 'react';
import { api } from '../../api/client';
import type { CommunityGroup } from '../../api/types';
import type { Option } from './kit';

const CHOICES_TTL_MS = 30_000;
const choiceCache = new Map<string, { at: number; p: Promise<unknown> }>();

/** A list the API holds, loaded when an editor needing it mounts; `[]` while loading or when the API refuses. */
function useChoices<T>(key: string, load: () => Promise<T[]>): T[] {
  const [v, setV] = useState<T[]>([]);
  useEffect(() => {
    let live = true;
    let c = choiceCache.get(key);
    if (!c || Date.now() - c.at > CHOICES_TTL_MS) {
      c = { at: Date.now(), p: load().catch(() => []) };
      choiceCache.set(key, c);
    }
    void c.p.then((x) => live && setV(x as T[]));
    return () => {
      live = false;
    };
  }, [key]); // eslint-disable-line react-hooks/exhaustive-deps
  return v;
}

export const useTiers = (lang: string): Option[] =>
  useChoices<{ code: string; name: string | { zh?: string; en?: string } }>('tiers', () => api('get', '/api/loyalty/tiers').then((r) => r.data)).map((x) => {
    const name = typeof x.name === 'string' ? x.name : (lang === 'zh' ? x.name.zh : x.name.en) ?? x.name.zh ?? x.name.en ?? x.code;
    return { value: x.code, label: name === x.code ? x.code : `${name} (${x.code})` };
  });
export const useCouponTemplates = (): Option[] =>
  useChoices<{ name: string }>('coupon-templates', () => api('get', '/api/coupons/templates').then((r) => r.data)).map((x) => ({ value: x.name, label: x.name }));
export const useGroups = (): CommunityGroup[] => useChoices<CommunityGroup>('groups', () => api('get', '/api/community/groups').then((r) => r.data));
export const useOrderChannels = (): Option[] =>
  useChoices<string>('order-channels', () =>
    api('get', '/api/analytics/channels', { query: { period: 'year' } }).then((r) => r.by_order_channel.map((c) => c.channel).filter((c): c is string => !!c)),
  ).map((c) => ({ value: c, label: c }));

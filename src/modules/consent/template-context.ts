// The `unsubscribe_url` template variable: `{{ unsubscribe_url }}` is the member's link to stop marketing on every
// channel; `{{ unsubscribe_url.email }}` (or .sms, .wecom …) stops one channel. Links are signed only when a
// template reads them (a liquidjs Drop computes them on access).
import { Drop } from 'liquidjs';
import { v, type ContextProvider, type VariableSchema } from '../templates/index.ts';
import { CONSENT_CHANNELS, type ConsentChannel } from './schema.ts';

/** Makes the link of one member for one channel. */
export type LinkMaker = (memberId: string, channel: ConsentChannel) => string;

const EXAMPLE = 'https://crm.example.com/unsubscribe?t=d3NfMXxtZW1fMXxhbGx8bWFya2V0aW5nfDA.AAAAAAAAAAAAAAAAAAAAAA';

export const UNSUBSCRIBE_VARIABLES: VariableSchema = Object.fromEntries(
  CONSENT_CHANNELS.map((c) => [c, v.string(c === 'all' ? 'Link that stops marketing on every channel (same as {{ unsubscribe_url }})' : `Link that stops marketing by ${c}`, EXAMPLE)]),
);

/** A member's unsubscribe links: renders as the all-channel link, fields give one channel's. */
export class UnsubscribeLinks extends Drop {
  private readonly cache = new Map<string, string>();
  constructor(
    private readonly make: LinkMaker,
    private readonly memberId: string,
  ) {
    super();
  }

  private link(channel: ConsentChannel): string {
    let url = this.cache.get(channel);
    if (!url) {
      url = this.make(this.memberId, channel);
      this.cache.set(channel, url);
    }
    return url;
  }

  override liquidMethodMissing(key: string | number): string | undefined {
    return typeof key === 'string' && (CONSENT_CHANNELS as readonly string[]).includes(key) ? this.link(key as ConsentChannel) : undefined;
  }

  override valueOf(): string {
    return this.link('all');
  }

  override toString(): string {
    return this.link('all');
  }

  toJSON(): string {
    return this.link('all');
  }
}

/**
 * The context provider the templates module registers as `unsubscribe_url`. `linkMakerOf` gives the link maker of a
 * workspace (its secret and public base URL), once per render run.
 */
export function unsubscribeContext(linkMakerOf: (ws: string) => Promise<LinkMaker>): ContextProvider {
  return {
    variables: UNSUBSCRIBE_VARIABLES,
    description: 'Signed unsubscribe links: {{ unsubscribe_url }} (all channels) or {{ unsubscribe_url.email }} (one channel)',
    async load(ws, memberIds, scope) {
      const make = await scope.memo(`unsubscribe:${ws}`, () => linkMakerOf(ws));
      return new Map(memberIds.map((id) => [id, new UnsubscribeLinks(make, id)]));
    },
  };
}

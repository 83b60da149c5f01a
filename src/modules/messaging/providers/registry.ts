// The provider adapters a MessagingService knows, by channel type. Other modules (WeCom, WeChat) register theirs
// with `services.messaging.registerProvider(adapter)`.
import { invalid } from '../../../core/errors.ts';
import type { MessagingChannelType, ProviderAdapter } from '../types.ts';
import { appPushAdapter } from './app-push.ts';
import { emailAdapter } from './email.ts';
import { smsAdapter } from './sms.ts';
import { webhookAdapter } from './webhook.ts';
import { wecomAdapter } from './wecom.ts';
import { wechatOaAdapter } from './wechat-oa.ts';
import { miniprogramAdapter } from './miniprogram.ts';

export class ProviderRegistry {
  private readonly adapters = new Map<string, ProviderAdapter>();

  /** Adds or replaces the adapter of `adapter.type`. */
  register(adapter: ProviderAdapter): void {
    this.adapters.set(adapter.type, adapter);
  }

  /** The adapter of a type; 400 `messaging.provider_unavailable` when no module registered one. */
  get(type: string): ProviderAdapter {
    const a = this.adapters.get(type);
    if (!a) throw invalid('messaging.provider_unavailable', `No provider adapter for messaging channel type "${type}" is installed`, 'type');
    return a;
  }

  has(type: string): boolean {
    return this.adapters.has(type);
  }

  types(): MessagingChannelType[] {
    return [...this.adapters.keys()] as MessagingChannelType[];
  }

  all(): ProviderAdapter[] {
    return [...this.adapters.values()];
  }
}

/** A registry with the built-in adapters: webhook, email (SMTP), sms and app_push (generic HTTP). */
export function defaultProviders(): ProviderRegistry {
  const r = new ProviderRegistry();
  for (const a of [webhookAdapter, emailAdapter(), smsAdapter, appPushAdapter]) r.register(a as ProviderAdapter);
  // WeCom customer contact, WeChat official-account template messages, mini-program subscribe messages.
  for (const a of [wecomAdapter, wechatOaAdapter(), miniprogramAdapter]) r.register(a as ProviderAdapter);
  return r;
}

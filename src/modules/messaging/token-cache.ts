// Provider access tokens (WeCom, WeChat…): cached until shortly before they expire, refreshed once however many
// senders ask at the same time, and optionally shared through the store so processes do not fight over them.
import type { Store } from '../../store/port.ts';

/** A freshly fetched token and its lifetime in seconds, as providers report it (`expires_in`). */
export interface FetchedToken {
  token: string;
  expiresInSec: number;
}

/** Where tokens outlive one process (table messaging_tokens). */
export interface TokenStore {
  load(key: string): Promise<{ token: string; expiresAt: number } | null>;
  save(key: string, token: string, expiresAt: number): Promise<void>;
  remove(key: string, token: string): Promise<void>;
}

interface Entry {
  token: string;
  /** Epoch ms after which the token is no longer handed out (expiry minus the margin). */
  refreshAt: number;
}

/**
 * A per-key token cache. The margin keeps tokens from being used in their last minutes (WeChat and WeCom tokens
 * live 7200 s; a token fetched at 7190 s would die mid-batch); a lifetime shorter than twice the margin uses half
 * of it instead.
 * @example const token = await tokens.get(`wecom:${corpId}`, async () => ({ token: 'abc', expiresInSec: 7200 }));
 */
export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly marginMs: number;
  private readonly now: () => number;

  constructor(opts: { marginMs?: number; now?: () => number; store?: TokenStore } = {}) {
    this.marginMs = opts.marginMs ?? 300_000;
    this.now = opts.now ?? Date.now;
    this.shared = opts.store;
  }

  private readonly shared?: TokenStore;

  /** The cached token of `key`, or the one `fetcher` returns; concurrent callers share one fetch. */
  async get(key: string, fetcher: () => Promise<FetchedToken>): Promise<string> {
    const hit = this.entries.get(key);
    if (hit && hit.refreshAt > this.now()) return hit.token;
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.refresh(key, fetcher).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  /**
   * Drops `key`'s token after the provider rejected it (WeChat 40001/42001, WeCom 40014/42001). With `token`, only
   * when it is still the cached one: a sender holding an old token must not discard a newer one.
   */
  async invalidate(key: string, token?: string): Promise<void> {
    const hit = this.entries.get(key);
    if (hit && (token === undefined || hit.token === token)) this.entries.delete(key);
    if (this.shared && token !== undefined) await this.shared.remove(key, token);
  }

  /** Seconds-to-refresh of a token with this lifetime, after the margin. */
  private refreshAtFor(fetchedAt: number, expiresAt: number): number {
    const life = expiresAt - fetchedAt;
    return life > 2 * this.marginMs ? expiresAt - this.marginMs : fetchedAt + life / 2;
  }

  private async refresh(key: string, fetcher: () => Promise<FetchedToken>): Promise<string> {
    if (this.shared) {
      const saved = await this.shared.load(key);
      if (saved && saved.expiresAt - this.marginMs > this.now()) {
        this.entries.set(key, { token: saved.token, refreshAt: saved.expiresAt - this.marginMs });
        return saved.token;
      }
    }
    const fetchedAt = this.now();
    const { token, expiresInSec } = await fetcher();
    if (!token) throw new Error(`token fetch for ${key} returned no token`);
    const expiresAt = fetchedAt + Math.max(1, expiresInSec) * 1000;
    this.entries.set(key, { token, refreshAt: this.refreshAtFor(fetchedAt, expiresAt) });
    if (this.shared) await this.shared.save(key, token, expiresAt);
    return token;
  }
}

/** Tokens in the messaging_tokens table, so every process (and a restart) reuses one token per key. */
export function sqlTokenStore(store: Store): TokenStore {
  return {
    async load(key) {
      const [r] = await store.query<{ token: string; expires_at: string }>('SELECT token, expires_at FROM messaging_tokens WHERE cache_key = $1', [key]);
      return r ? { token: r.token, expiresAt: Date.parse(r.expires_at) } : null;
    },
    async save(key, token, expiresAt) {
      const at = new Date(expiresAt).toISOString();
      await store.exec(
        `INSERT INTO messaging_tokens (cache_key, token, expires_at, updated_at) VALUES ($1, $2, $3::TIMESTAMPTZ, now())
         ON CONFLICT (cache_key) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at, updated_at = excluded.updated_at`,
        [key, token, at],
      );
    },
    async remove(key, token) {
      await store.exec('DELETE FROM messaging_tokens WHERE cache_key = $1 AND token = $2', [key, token]);
    },
  };
}

// Sign-in state: the bearer secret — a session token from username + password, or an API key — kept in
// sessionStorage for this tab, the workspace it belongs to, and who it is (GET /api/auth/me) with its permissions.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, callWithKey, configureApi } from './api/client';
import type { LoginResult, Me, Workspace } from './api/types';

interface Auth {
  /** The bearer secret in use (session token or API key), null when signed out. */
  key: string | null;
  workspace: Workspace | null;
  /** Who is signed in: user or key, role or scope, permissions; null while loading. */
  me: Me | null;
  /** Whether the signed-in user or key holds a permission (docs/permissions.md), e.g. can('access.manage'). */
  can(permission: string): boolean;
  /** Signs in with a username and password (POST /api/auth/login); throws the API's error when refused. */
  signInWithPassword(username: string, password: string): Promise<void>;
  /** Checks an API key against GET /api/workspace and keeps it; throws the API's error when refused. */
  signIn(key: string): Promise<void>;
  /** Ends the session on the server (sessions only) and forgets the secret. */
  signOut(): void;
}

const KEY_STORAGE = 'siyu.key';
const Ctx = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [key, setKey] = useState<string | null>(() => sessionStorage.getItem(KEY_STORAGE));
  const [workspace, setWorkspace] = useState<Workspace | null>(null);
  const [me, setMe] = useState<Me | null>(null);

  const forget = useCallback(() => {
    sessionStorage.removeItem(KEY_STORAGE);
    configureApi(null);
    setKey(null);
    setWorkspace(null);
    setMe(null);
  }, []);

  const signOut = useCallback(() => {
    const current = sessionStorage.getItem(KEY_STORAGE);
    if (current?.startsWith('ss_')) void callWithKey(current, 'post', '/api/auth/logout').catch(() => undefined);
    forget();
  }, [forget]);

  configureApi(key, forget);

  useEffect(() => {
    if (!key) return;
    if (!workspace) api('get', '/api/workspace').then(setWorkspace, () => undefined);
    if (!me) api('get', '/api/auth/me').then(setMe, () => undefined);
  }, [key, workspace, me]);

  const keep = useCallback((secret: string, ws: Workspace, who: Me) => {
    sessionStorage.setItem(KEY_STORAGE, secret);
    configureApi(secret, forget);
    setWorkspace(ws);
    setMe(who);
    setKey(secret);
  }, [forget]);

  const value = useMemo<Auth>(
    () => ({
      key,
      workspace,
      me,
      can: (permission) => !!me && (me.permissions.includes(permission) || (me.role === 'admin' || me.scope === 'admin')),
      async signInWithPassword(username, password) {
        const r = await callWithKey<LoginResult>(null, 'post', '/api/auth/login', { username, password });
        const [ws, who] = await Promise.all([
          callWithKey<Workspace>(r.token, 'get', '/api/workspace'),
          callWithKey<Me>(r.token, 'get', '/api/auth/me'),
        ]);
        keep(r.token, ws, who);
      },
      async signIn(k) {
        const ws = await callWithKey<Workspace>(k, 'get', '/api/workspace');
        const who = await callWithKey<Me>(k, 'get', '/api/auth/me');
        keep(k, ws, who);
      },
      signOut,
    }),
    [key, workspace, me, keep, signOut],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAuth(): Auth {
  const v = useContext(Ctx);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}

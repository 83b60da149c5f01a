// Sign-in state: the admin key (kept in sessionStorage for this tab) and the workspace it belongs to.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, callWithKey, configureApi } from './api/client';
import type { Workspace } from './api/types';

interface Auth {
  key: string | null;
  workspace: Workspace | null;
  /** Checks the key against GET /api/workspace and keeps it; throws the API's error when refused. */
  signIn(key: string): Promise<void>;
  signOut(): void;
}

const KEY_STORAGE = 'siyu.key';
const Ctx = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [key, setKey] = useState<string | null>(() => sessionStorage.getItem(KEY_STORAGE));
  const [workspace, setWorkspace] = useState<Workspace | null>(null);

  const signOut = useCallback(() => {
    sessionStorage.removeItem(KEY_STORAGE);
    configureApi(null);
    setKey(null);
    setWorkspace(null);
  }, []);

  configureApi(key, signOut);

  useEffect(() => {
    if (!key || workspace) return;
    api('get', '/api/workspace').then(setWorkspace, () => undefined);
  }, [key, workspace]);

  const value = useMemo<Auth>(
    () => ({
      key,
      workspace,
      async signIn(k) {
        const ws = await callWithKey<Workspace>(k, 'get', '/api/workspace');
        sessionStorage.setItem(KEY_STORAGE, k);
        configureApi(k, signOut);
        setWorkspace(ws);
        setKey(k);
      },
      signOut,
    }),
    [key, workspace, signOut],
  );
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAuth(): Auth {
  const v = useContext(Ctx);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}

/**
 * The API client for every panel: `useApi()` gives the one `ApiClient`
 * instance; `useAuth()` tells the shell whether to show the login screen.
 * A 401 from any call (a missing or revoked token) asks for a token again.
 * The client's query cache (queries.ts) is provided here too, and emptied
 * when the token goes: the next login reads everything again.
 */
import { QueryClientProvider } from '@tanstack/react-query';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiClient, initialToken } from './client.js';
import { followOpenGraph, queryClientFor } from './queries.js';

export interface AuthState {
  /** A token is set and the server has not refused it. */
  authenticated: boolean;
  /** Why the login screen is shown (a refused token), if not simply "no token yet". */
  reason?: string;
  login(token: string): void;
  logout(reason?: string): void;
}

const ApiContext = createContext<ApiClient | null>(null);
const AuthContext = createContext<AuthState | null>(null);

export function ApiProvider({ children, client: given }: { children: ReactNode; client?: ApiClient }) {
  const client = useMemo(() => given ?? new ApiClient(initialToken()), [given]);
  const queries = queryClientFor(client);
  const [authenticated, setAuthenticated] = useState(client.hasToken);
  const [reason, setReason] = useState<string | undefined>(undefined);

  useEffect(() => {
    client.onUnauthorized = (error) => {
      setReason(client.hasToken ? `The server refused the token: ${error.message}` : undefined);
      setAuthenticated(false);
      queries.clear();
    };
    return () => {
      client.onUnauthorized = undefined;
    };
  }, [client, queries]);

  useEffect(() => followOpenGraph(queries), [queries]);

  const login = useCallback(
    (token: string) => {
      client.setToken(token.trim());
      setReason(undefined);
      setAuthenticated(true);
    },
    [client],
  );
  const logout = useCallback(
    (why?: string) => {
      client.setToken(undefined);
      setReason(why);
      setAuthenticated(false);
      queries.clear();
    },
    [client, queries],
  );
  const auth = useMemo<AuthState>(() => ({ authenticated, ...(reason ? { reason } : {}), login, logout }), [authenticated, reason, login, logout]);

  return (
    <ApiContext.Provider value={client}>
      <QueryClientProvider client={queries}>
        <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>
      </QueryClientProvider>
    </ApiContext.Provider>
  );
}

/** The editor's API client (inside `<ApiProvider>`). */
export function useApi(): ApiClient {
  const client = useContext(ApiContext);
  if (!client) throw new Error('useApi() outside <ApiProvider>');
  return client;
}

export function useAuth(): AuthState {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth() outside <ApiProvider>');
  return auth;
}

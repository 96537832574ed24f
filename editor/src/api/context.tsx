/**
 * The API client for every panel: `useApi()` gives the one `ApiClient`
 * instance; `useAuth()` tells the shell whether to show the login screen.
 * A 401 from any call (a missing or revoked token) asks for a token again.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiClient, initialToken } from './client.js';

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
  const [authenticated, setAuthenticated] = useState(client.hasToken);
  const [reason, setReason] = useState<string | undefined>(undefined);

  useEffect(() => {
    client.onUnauthorized = (error) => {
      setReason(client.hasToken ? `The server refused the token: ${error.message}` : undefined);
      setAuthenticated(false);
    };
    return () => {
      client.onUnauthorized = undefined;
    };
  }, [client]);

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
    },
    [client],
  );
  const auth = useMemo<AuthState>(() => ({ authenticated, ...(reason ? { reason } : {}), login, logout }), [authenticated, reason, login, logout]);

  return (
    <ApiContext.Provider value={client}>
      <AuthContext.Provider value={auth}>{children}</AuthContext.Provider>
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

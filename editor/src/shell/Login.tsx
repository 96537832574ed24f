/** Asks for the API token when there is none or the server refused it. */
import { useState, type FormEvent } from 'react';
import { useAuth } from '../api/context.js';

export function Login() {
  const { login, reason } = useAuth();
  const [token, setToken] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim();
    if (!value) return;
    // A pasted editor link works too: take its ?token=.
    let found = value;
    try {
      found = new URL(value).searchParams.get('token') ?? value;
    } catch {
      // not a URL: the token itself
    }
    login(found);
  };
  return (
    <div className="rg-login">
      <form className="rg-login__box" onSubmit={submit}>
        <div className="rg-brand rg-login__brand">
          <span className="rg-brand__mark" aria-hidden="true" />
          reelgraph
        </div>
        <h1>Sign in to the server</h1>
        {reason ? (
          <p className="rg-login__error" role="alert">
            {reason}
          </p>
        ) : null}
        <p className="rg-muted">
          Paste an API token (or the whole editor link). <code>reelgraph server</code> prints a link with one the first time it starts; <code>reelgraph token create &lt;name&gt;</code> makes another.
        </p>
        <input
          className="rg-login__input"
          type="password"
          autoComplete="off"
          autoFocus
          placeholder="rg_…"
          value={token}
          onChange={(event) => setToken(event.target.value)}
          data-testid="login-token"
          aria-label="API token"
        />
        <button type="submit" className="rg-button rg-button--primary" disabled={!token.trim()} data-testid="login-submit">
          Connect
        </button>
      </form>
    </div>
  );
}

/**
 * Credentials of the selected node as configured (a node with a `provider`
 * parameter shows only that provider's credential): for each one,
 * whether the server has it stored (GET /api/credentials: names and field
 * names only) or the runtime will read the environment variables the spec
 * names, and a small form to store it (PUT /api/credentials/:name).
 *
 * Typed values live in this component's state only until they are sent; then
 * they are cleared. They never enter the graph store and are never shown back.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { CredentialSpec } from '../../../runtime/contract/index.js';
import { useApi } from '../api/context.js';
import { ApiError, type CredentialInfo } from '../api/client.js';
import { useSelectedNode } from '../state/graph-store.js';
import { credentialPayload, credentialStatus, credentialsForProvider, describeCredentialStatus } from './credentials.js';

type Load = { status: 'loading' } | { status: 'ready'; stored: CredentialInfo[] } | { status: 'error'; message: string };

const message = (error: unknown): string => (error instanceof ApiError ? `${error.message}${error.code === 'SECRET_KEY' ? ' (the server has no secret key to encrypt credentials with: set REELGRAPH_SECRET_KEY, or restart it so it creates one in its data directory)' : ''}` : String(error));

function CredentialRow({ spec, stored, onChanged }: { spec: CredentialSpec; stored: CredentialInfo[] | undefined; onChanged: () => void }) {
  const api = useApi();
  const status = credentialStatus(spec, stored ?? []);
  const [editing, setEditing] = useState(false);
  const [values, setValues] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [feedback, setFeedback] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>(undefined);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const fields = credentialPayload(values);
    if (!fields) {
      setFeedback({ kind: 'error', text: 'Type a value first.' });
      return;
    }
    setBusy(true);
    try {
      await api.putCredential(spec.name, fields);
      setFeedback({ kind: 'ok', text: 'Stored on the server.' });
      setEditing(false);
      onChanged();
    } catch (error) {
      setFeedback({ kind: 'error', text: message(error) });
    } finally {
      // Sent (or refused): either way the values do not stay in the editor.
      setValues({});
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!window.confirm(`Delete the stored credential "${spec.name}"? Nodes then read ${status.fields.map((f) => f.variable).join(', ')} from the server's environment.`)) return;
    setBusy(true);
    try {
      await api.deleteCredential(spec.name);
      setFeedback({ kind: 'ok', text: 'Deleted.' });
      onChanged();
    } catch (error) {
      setFeedback({ kind: 'error', text: message(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <li className={`rg-credential rg-credential-${status.state}`} data-testid={`credential-${spec.name}`} data-state={stored ? status.state : 'unknown'}>
      <div className="rg-credential-head">
        <span className="rg-credential-title">{spec.title}</span> <code className="rg-small">{spec.name}</code>
        {spec.optional ? <span className="rg-muted rg-small"> optional</span> : null}
      </div>
      <div className="rg-credential-status rg-small">
        <span className={`rg-cred-dot rg-cred-dot--${status.state}`} aria-hidden="true" />
        {stored ? describeCredentialStatus(status) : 'checking…'}
        {status.updatedAt ? <span className="rg-muted"> · updated {new Date(status.updatedAt).toLocaleString()}</span> : null}
      </div>
      {feedback ? <div className={`rg-small ${feedback.kind === 'ok' ? 'rg-param-ok' : 'rg-param-error'}`}>{feedback.text}</div> : null}
      {editing ? (
        <form className="rg-credential-form" onSubmit={submit} autoComplete="off">
          {status.fields.map(({ field, variable }) => (
            <label key={field} className="rg-credential-field">
              <span>
                {field} <span className="rg-muted rg-small">(instead of {variable})</span>
              </span>
              <input
                type="password"
                name={`${spec.name}-${field}`}
                data-testid={`credential-${spec.name}-${field}`}
                autoComplete="new-password"
                spellCheck={false}
                value={values[field] ?? ''}
                onChange={(event) => setValues((current) => ({ ...current, [field]: event.target.value }))}
              />
            </label>
          ))}
          <div className="rg-credential-actions">
            <button type="submit" className="rg-button rg-button--primary" disabled={busy} data-testid={`credential-${spec.name}-save`}>
              Store
            </button>
            <button
              type="button"
              className="rg-button"
              onClick={() => {
                setValues({});
                setEditing(false);
              }}
            >
              Cancel
            </button>
          </div>
          <p className="rg-muted rg-small">Sent once to the server and stored encrypted; it is never shown again.</p>
        </form>
      ) : (
        <div className="rg-credential-actions">
          <button type="button" className="rg-button" onClick={() => setEditing(true)} data-testid={`credential-${spec.name}-edit`} disabled={busy}>
            {status.state === 'env' ? 'Store a key…' : 'Replace…'}
          </button>
          {status.state !== 'env' ? (
            <button type="button" className="rg-button rg-button--danger" onClick={remove} disabled={busy}>
              Delete
            </button>
          ) : null}
        </div>
      )}
    </li>
  );
}

export function CredentialsPicker({ specs: declared }: { specs: CredentialSpec[] }) {
  const api = useApi();
  const params = useSelectedNode()?.params;
  const provider = typeof params?.provider === 'string' ? params.provider : undefined;
  const specs = credentialsForProvider(declared, params);
  const [load, setLoad] = useState<Load>({ status: 'loading' });
  const refresh = useCallback(() => {
    api.credentials().then(
      (stored) => setLoad({ status: 'ready', stored }),
      (error: unknown) => setLoad({ status: 'error', message: message(error) }),
    );
  }, [api]);
  useEffect(refresh, [refresh]);
  const stored = load.status === 'ready' ? load.stored : undefined;
  return (
    <div className="rg-credentials">
      {load.status === 'error' ? <p className="rg-param-error rg-small">Could not list stored credentials: {load.message}</p> : null}
      {specs.length === 0 && provider ? (
        <p className="rg-muted rg-small" data-testid="credentials-none">
          The “{provider}” provider needs no credential.
        </p>
      ) : null}
      <ul>
        {specs.map((spec) => (
          <CredentialRow key={spec.name} spec={spec} stored={stored} onChanged={refresh} />
        ))}
      </ul>
    </div>
  );
}

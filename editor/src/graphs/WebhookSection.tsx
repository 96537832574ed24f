/**
 * The graph's signed webhook: create, show (URL, secret, a curl recipe), rotate, remove.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { type WebhookInfo } from '../api/client.js';
import { Section } from './Section.js';
import { useApi } from '../api/context.js';
import { useWebhook, webhookKeys } from '../api/queries.js';
import { useGraphStore } from '../state/graph-store.js';
import { errorText, feedbackOf, CopyButton, FeedbackView, type Feedback } from './feedback.js';

type HookState = { status: 'loading' } | { status: 'none' } | { status: 'ready'; hook: WebhookInfo } | { status: 'error'; message: string };

/** One labelled value of the webhook, with a copy button (test ids `<testId>` and `<testId>-copy`) when asked. */
function WebhookField({ label, value, testId, copy = false }: { label: string; value: string; testId?: string; copy?: boolean }) {
  return (
    <div className="rg-webhook-row">
      <span className="rg-webhook-label">{label}</span>
      <code className="rg-webhook-value" data-testid={testId}>
        {value}
      </code>
      {copy ? <CopyButton text={value} {...(testId ? { testId: `${testId}-copy` } : {})} /> : null}
    </div>
  );
}

/** What the section shows: nothing is known before it is first opened, even with an answer kept from earlier. */
function hookState(wanted: boolean, query: { isError: boolean; error: unknown; data: WebhookInfo | null | undefined }): HookState {
  if (!wanted) return { status: 'loading' };
  if (query.isError) return { status: 'error', message: errorText(query.error) };
  if (query.data === undefined) return { status: 'loading' };
  return query.data ? { status: 'ready', hook: query.data } : { status: 'none' };
}

export function WebhookSection({ id }: { id: string }) {
  const api = useApi();
  const queries = useQueryClient();
  const doc = useGraphStore((state) => state.doc);
  const [callbackUrl, setCallbackUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [feedback, setFeedback] = useState<Feedback>(undefined);
  // Asked for only once the section is opened: most graphs have no webhook.
  const [wanted, setWanted] = useState(false);
  const query = useWebhook(api, id, wanted);
  const state = hookState(wanted, query);
  const show = (hook: WebhookInfo | null) => queries.setQueryData(webhookKeys.forGraph(id), hook);

  const create = async (rotate: boolean) => {
    if (rotate && !window.confirm('Rotate the webhook? The current URL and secret stop working at once.')) return;
    setBusy(true);
    setFeedback(undefined);
    try {
      show(await api.createWebhook(id, callbackUrl.trim() || undefined));
      setFeedback({ kind: 'ok', text: rotate ? 'Rotated: a new URL and secret.' : 'Webhook created.' });
    } catch (error) {
      setFeedback(feedbackOf(error));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!window.confirm('Delete the webhook? Deliveries to its URL are refused from now on.')) return;
    setBusy(true);
    setFeedback(undefined);
    try {
      await api.deleteWebhook(id);
      show(null);
      setFeedback({ kind: 'ok', text: 'Webhook deleted.' });
    } catch (error) {
      setFeedback(feedbackOf(error));
    } finally {
      setBusy(false);
    }
  };

  const hook = state.status === 'ready' ? state.hook : undefined;
  return (
    <Section title="Webhook" testId="graph-webhook" open={false} onOpen={() => setWanted(true)} extra={<span className="rg-muted rg-small">{hook ? 'active' : state.status === 'none' ? 'none' : ''}</span>}>
      {state.status === 'loading' ? <p className="rg-muted rg-small">Loading…</p> : null}
      {state.status === 'error' ? <p className="rg-graph-error">{state.message}</p> : null}
      {state.status === 'none' ? <p className="rg-muted rg-small">A signed webhook lets a CMS or script start runs of this graph (POST with an HMAC-SHA256 signature).</p> : null}
      {hook ? (
        <div className="rg-webhook">
          <WebhookField label="URL" value={hook.url} testId="webhook-url" copy />
          <WebhookField label="Secret" value={hook.secret} testId="webhook-secret" copy />
          {hook.callbackUrl ? <WebhookField label="Callback" value={hook.callbackUrl} /> : null}
          <div className="rg-webhook-curl">
            <div className="rg-webhook-row">
              <span className="rg-webhook-label">Example delivery (curl + openssl signature)</span>
              <CopyButton text={hook.curl} testId="webhook-curl-copy" />
            </div>
            <pre data-testid="webhook-curl">{hook.curl}</pre>
            <p className="rg-muted rg-small">
              Headers: <code>X-Reelgraph-Timestamp</code> (unix seconds, ±5 min) and <code>X-Reelgraph-Signature: sha256=HMAC(secret, timestamp + "." + body)</code>. Body: <code>{'{inputs?, markdown?, priority?}'}</code>. Each delivery needs a fresh timestamp (replays are refused).
            </p>
          </div>
        </div>
      ) : null}
      {state.status === 'none' || hook ? (
        <form
          className="rg-graph-form"
          onSubmit={(event) => {
            event.preventDefault();
            void create(hook !== undefined);
          }}
        >
          <label className="rg-graph-field">
            <span>
              Completion callback URL <span className="rg-muted rg-small">(optional)</span>
            </span>
            <input data-testid="webhook-callback" type="url" value={callbackUrl} onChange={(event) => setCallbackUrl(event.target.value)} placeholder={hook?.callbackUrl ?? 'https://cms.example/reelgraph-done'} />
          </label>
          <div className="rg-graph-actions">
            <button type="submit" className="rg-button rg-button--primary" data-testid={hook ? 'webhook-rotate' : 'webhook-create'} disabled={busy}>
              {hook ? 'Rotate secret' : 'Create webhook'}
            </button>
            {hook ? (
              <button type="button" className="rg-button rg-button--danger" data-testid="webhook-delete" disabled={busy} onClick={() => void remove()}>
                Delete
              </button>
            ) : null}
          </div>
        </form>
      ) : null}
      <FeedbackView feedback={feedback} doc={doc} />
    </Section>
  );
}

/**
 * "A run waits for you": when a review gate of a webhook-started run opens,
 * POST `{event: 'run.waiting', runId, status: 'waiting', review}` to the
 * webhook's callback URL, signed and retried exactly like its completion
 * callback (callbacks.ts). Read from the store, not from memory, so a run a
 * restarted server resumed at its gate notifies again (at least once).
 */
import type { Logger } from 'pino';
import type { ReviewEvent } from '../../runtime/contract/events.js';
import type { EventBus } from '../../runtime/engine/bus.js';
import type { CredentialVault } from '../../runtime/credentials/vault.js';
import { webhookAad, type ServerTables } from '../../runtime/store/server-tables.js';
import type { RunStore } from '../../runtime/store/types.js';
import type { CallbackSender } from './callbacks.js';

export interface ReviewNoticeDeps {
  events: EventBus;
  store: RunStore;
  tables: ServerTables;
  vault: CredentialVault;
  callbacks: CallbackSender;
  logger: Logger;
}

/** Starts notifying; returns the unsubscribe. */
export function notifyWaitingReviews(deps: ReviewNoticeDeps): () => void {
  return deps.events.on((event) => {
    if (event.type !== 'review' || event.status !== 'pending') return;
    void send(deps, event).catch((error: unknown) => deps.logger.error({ err: error, runId: event.runId }, 'review notice failed'));
  });
}

async function send(deps: ReviewNoticeDeps, event: ReviewEvent): Promise<void> {
  const run = await deps.store.getRun(event.runId);
  if (!run || run.trigger !== 'webhook' || !run.graphId) return;
  const webhook = await deps.tables.webhookOfGraph(run.graphId);
  if (!webhook?.callbackUrl) return;
  const secret = deps.vault.open(webhook.sealed, webhookAad(webhook.graphId));
  await deps.callbacks.send(webhook.callbackUrl, secret, {
    event: 'run.waiting',
    runId: event.runId,
    status: 'waiting',
    review: {
      nodeId: event.nodeId,
      itemCount: event.itemCount,
      ...(event.deadlineAt !== undefined ? { deadlineAt: event.deadlineAt } : {}),
      // Where to read the storyboard and send the decision (with an API token).
      url: `/api/runs/${event.runId}/review`,
    },
  });
}

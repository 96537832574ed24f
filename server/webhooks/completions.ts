/**
 * Completion callbacks, owed in the store (`run_callbacks`): a webhook run
 * owes its webhook's callback URL `{runId, status, outputs, error}` once it
 * ends. The debt is recorded when the run starts and settled when the POST
 * is delivered or given up on, so a run a restarted server resumed still
 * calls back, and a callback cut short by a restart is sent again on the
 * next start (at least once; the payload carries the run id to dedupe by).
 */
import type { Logger } from 'pino';
import type { RunResult } from '../../runtime/engine/run.js';
import type { RunLauncher } from '../../runtime/runs/launcher.js';
import type { CredentialVault } from '../../runtime/credentials/vault.js';
import { webhookAad, type ServerTables } from '../../runtime/store/server-tables.js';
import type { RunStore } from '../../runtime/store/types.js';
import type { CallbackSender } from './callbacks.js';

export interface CompletionDeps {
  launcher: RunLauncher;
  store: RunStore;
  tables: ServerTables;
  vault: CredentialVault;
  callbacks: CallbackSender;
  logger: Logger;
}

const FINISHED = new Set(['done', 'failed', 'cancelled']);

/** Starts calling back as runs end, and sends what finished runs still owe; returns the unsubscribe. */
export function deliverCompletions(deps: CompletionDeps): () => void {
  const unsubscribe = deps.launcher.onStored((result) => void callBack(deps, result.runId, result).catch((error: unknown) => deps.logger.error({ err: error, runId: result.runId }, 'completion callback failed')));
  void resendOwed(deps).catch((error: unknown) => deps.logger.error({ err: error }, 'could not send the completion callbacks owed'));
  return unsubscribe;
}

/** Callbacks owed by runs that ended while no server delivered them (a runs still going calls back when it ends). */
async function resendOwed(deps: CompletionDeps): Promise<void> {
  for (const runId of await deps.tables.owedCallbacks()) {
    const run = await deps.store.getRun(runId);
    if (run && FINISHED.has(run.status)) await callBack(deps, runId);
  }
}

async function callBack(deps: CompletionDeps, runId: string, result?: RunResult): Promise<void> {
  if (!(await deps.tables.owesCallback(runId))) return;
  const run = await deps.store.getRun(runId);
  const webhook = run?.graphId ? await deps.tables.webhookOfGraph(run.graphId) : undefined;
  if (!run || !webhook?.callbackUrl) {
    // The webhook (or its callback URL) was removed meanwhile: nobody to tell.
    await deps.tables.settleCallback(runId);
    return;
  }
  const secret = deps.vault.open(webhook.sealed, webhookAad(webhook.graphId));
  const payload = result
    ? { runId, status: result.status, outputs: result.outputs, error: result.error ?? null }
    : { runId, status: run.status, outputs: run.outputs ?? {}, error: run.error ?? null };
  const delivered = await deps.callbacks.send(webhook.callbackUrl, secret, payload);
  // Given up after its retries, or refused as a target: logged by the sender; not owed again.
  if (delivered || !deps.callbacks.closed) await deps.tables.settleCallback(runId);
}

/**
 * A run's results as a producer takes them home: the final video first and
 * large, then every deliverable as a download with its file name, kind and
 * size, and one zip of the whole package. Links are signed and short-lived
 * (GET /api/runs/:id/deliverables); they are asked for again before they
 * expire, and when a player reports a load error.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { ArtifactHandle } from '../../../runtime/contract/artifacts.js';
import type { RunDeliverables } from '../../../runtime/contract/deliverables.js';
import { useApi } from '../api/context.js';
import { ArtifactView, VideoPlayer } from './media.js';
import { describeDeliverable, RENEW_MARGIN_MS, renewDelayMs } from './deliverables.js';

type Load = { state: 'loading' } | { state: 'ready'; answer: RunDeliverables } | { state: 'error'; message: string };

/**
 * Reads the run's deliverables (again whenever `version` changes, e.g. the
 * run's status) and renews the links before they expire.
 */
export function useDeliverables(runId: string, version: string): { load: Load; renew(): void } {
  const api = useApi();
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [nonce, setNonce] = useState(0);
  const lastRenew = useRef(0);
  const renew = useCallback(() => {
    if (Date.now() - lastRenew.current < 30_000) return;
    lastRenew.current = Date.now();
    setNonce((n) => n + 1);
  }, []);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fetchLinks = (): void => {
      api.runDeliverables(runId, controller.signal).then(
        (answer) => {
          if (controller.signal.aborted) return;
          setLoad({ state: 'ready', answer });
          timer = setTimeout(fetchLinks, renewDelayMs(answer));
        },
        (error: unknown) => {
          if (!controller.signal.aborted) setLoad({ state: 'error', message: error instanceof Error ? error.message : String(error) });
        },
      );
    };
    fetchLinks();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [api, runId, version, nonce]);
  // A tab in the background has its timers slowed: back in view, links about to expire are renewed first.
  const answer = load.state === 'ready' ? load.answer : undefined;
  useEffect(() => {
    if (!answer) return;
    const onVisible = (): void => {
      if (document.visibilityState === 'visible' && renewDelayMs(answer) <= RENEW_MARGIN_MS) setNonce((n) => n + 1);
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => document.removeEventListener('visibilitychange', onVisible);
  }, [answer]);
  return { load, renew };
}

/**
 * The final video: played through the same artifact link as every other
 * player when the run's outputs hold its handle, else through its own
 * signed inline URL.
 */
function FinalVideo({ answer, handles, onError }: { answer: RunDeliverables; handles: ArtifactHandle[]; onError(): void }) {
  const primary = answer.deliverables.find((d) => d.name === answer.primary) ?? answer.deliverables.find((d) => d.kind === 'video');
  if (!primary) return null;
  const handle = handles.find((h) => h.hash === primary.hash);
  return (
    <div className="rg-run-final">
      {handle ? (
        <VideoPlayer handle={handle} testId="final-video" />
      ) : (
        <video className="rg-run-video" controls preload="metadata" src={primary.inlineUrl} onError={onError} data-testid="final-video" />
      )}
      <div className="rg-run-final-name">{primary.name}</div>
    </div>
  );
}

export function DeliverableList({ answer }: { answer: RunDeliverables }) {
  return (
    <div className="rg-run-deliverables" data-testid="deliverables">
      <ul className="rg-run-downloads">
        {answer.deliverables.map((deliverable) => (
          <li key={deliverable.name}>
            <a className="rg-run-download" href={deliverable.downloadUrl} download={deliverable.name} data-testid={`deliverable-${deliverable.name}`} data-kind={deliverable.kind} title={`from ${deliverable.output}`}>
              ⬇ {deliverable.name} <span className="rg-run-muted rg-run-download-size">({describeDeliverable(deliverable)})</span>
            </a>
          </li>
        ))}
      </ul>
      {answer.packageUrl && answer.deliverables.length > 0 ? (
        <a className="rg-button rg-run-zip" href={answer.packageUrl} download={answer.packageName ?? `${answer.runId}.zip`} data-testid="deliverables-zip">
          ⬇ Download all (.zip)
        </a>
      ) : null}
    </div>
  );
}

/** The final video and the downloads; `fallback` shows when the server cannot list deliverables. */
export function Deliverables({ runId, version, handles, fallback }: { runId: string; version: string; handles: ArtifactHandle[]; fallback: ReactNode }) {
  const { load, renew } = useDeliverables(runId, version);
  if (load.state === 'loading') return <div className="rg-run-muted">Loading deliverables…</div>;
  if (load.state === 'error') return <>{fallback}</>;
  if (load.answer.deliverables.length === 0) return <div className="rg-run-muted">No deliverables.</div>;
  // Audio and pictures among the deliverables play in place (the mix as a waveform).
  const delivered = new Set(load.answer.deliverables.filter((d) => d.kind === 'audio' || d.kind === 'image').map((d) => d.hash));
  const previews = handles.filter((handle) => delivered.has(handle.hash)).slice(0, 4);
  return (
    <>
      <FinalVideo answer={load.answer} handles={handles} onError={renew} />
      <DeliverableList answer={load.answer} />
      {previews.map((handle) => (
        <ArtifactView key={handle.hash} handle={handle} download={false} />
      ))}
    </>
  );
}

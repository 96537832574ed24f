/**
 * The storyboard of a review gate: when the followed run waits at a gate
 * (`control.review`), the producer looks at every item — its title, prompt
 * and text, its still or first frame, its voice lines — and approves them
 * all, approves a selection (the rest rejected), or rejects the run, with an
 * optional note. Opened from the Run panel's review section and from the
 * gate's 'waiting' badge on the canvas; a toast says when a gate starts
 * waiting (run-store.ts).
 *
 * The records come from GET /api/runs/:id/review (TanStack Query, read again
 * on every review event); a decision is POSTed, and the server's refusal
 * (409: decided already, 400: an unknown item) shows inline. After the
 * decision the dialog closes and the Run panel follows the run as it goes on.
 */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { RejectedItemAction, ReviewItem, ReviewRecord } from '../../../runtime/contract/review.js';
import { ApiError } from '../api/client.js';
import { useApi } from '../api/context.js';
import { reviewDecided, useReviewEstimate, useRunReviews } from '../api/queries.js';
import { useGraphStore } from '../state/graph-store.js';
import { notify } from '../state/toast-store.js';
import { useUiStore } from '../state/ui-store.js';
import { useMediaLink } from './media.js';
import { nodeTitle } from './run-progress.js';
import { useRunStore } from './run-store.js';
import {
  approveAllLabel,
  approveSelectedLabel,
  cardMedia,
  decisionRequest,
  describeDeadline,
  describeDecision,
  describeRound,
  editableWords,
  editedBefore,
  editLabel,
  editsThisRound,
  initialVerdicts,
  isEdited,
  itemHeading,
  nextRoundNote,
  pendingReview,
  rejectWording,
  roundOf,
  storyboardCost,
  takeLabel,
  waitingGates,
  type CardState,
  type DecisionAction,
  type Drafts,
  type ItemVerdict,
  type Verdicts,
} from './review.js';
import './storyboard.css';
import { useModalFocus } from '../shell/modal-focus.js';

/** An item's still (an image) or first frame (a clip, paused at its start). */
function Still({ index, kind, hash, name }: { index: number; kind: 'image' | 'video'; hash: string; name: string }) {
  const { url, error, renew } = useMediaLink(hash);
  if (error) return <div className="rg-run-error-text">{kind}: {error}</div>;
  if (!url) return <div className="rg-storyboard__still rg-storyboard__still--empty rg-run-muted">loading…</div>;
  return kind === 'image' ? (
    <img className="rg-storyboard__still" src={url} alt={name} onError={renew} data-testid={`storyboard-still-${index}`} data-kind="image" />
  ) : (
    <video className="rg-storyboard__still" src={url} preload="metadata" muted controls onError={renew} aria-label={name} data-testid={`storyboard-still-${index}`} data-kind="video" />
  );
}

/** One voice line, playable in place. */
function VoiceLine({ index, line, hash, name }: { index: number; line: number; hash: string; name: string }) {
  const { url, error, renew } = useMediaLink(hash);
  if (error) return <div className="rg-run-error-text">audio: {error}</div>;
  return <audio className="rg-storyboard__voice" src={url} controls preload="metadata" onError={renew} aria-label={name} data-testid={`storyboard-voice-${index}-${line}`} />;
}

/** The rewrite of an item's words on its card: open while a draft exists, reverted to close. */
function WordsEditor({
  index,
  field,
  draft,
  edited,
  decided,
  onDraft,
}: {
  index: number;
  field: 'prompt' | 'text';
  draft: string;
  edited: boolean;
  decided: boolean;
  onDraft(words: string | undefined): void;
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const revert = useRef<HTMLButtonElement>(null);
  // Opened by its button: the words are where the keyboard goes next (once, when it opens).
  useEffect(() => {
    if (area.current && !area.current.readOnly) area.current.focus({ preventScroll: true });
  }, []);
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): void => {
    // Escape leaves the words, keeping them, instead of closing the storyboard (which would lose every draft); Escape again closes.
    if (event.key !== 'Escape') return;
    event.preventDefault();
    event.stopPropagation();
    revert.current?.focus();
  };
  const label = field === 'prompt' ? 'prompt' : 'line';
  return (
    <div className="rg-storyboard__edit">
      <label className="rg-storyboard__edit-label">
        <span className="rg-run-muted">{edited ? `New ${label}: made again from these words` : `Rewrite the ${label}`}</span>
        <textarea
          ref={area}
          className="rg-run-field"
          rows={3}
          maxLength={4000}
          value={draft}
          readOnly={decided}
          onChange={(event) => onDraft(event.target.value)}
          onKeyDown={onKeyDown}
          data-testid={`storyboard-edit-${index}`}
        />
      </label>
      {decided ? null : (
        <button type="button" ref={revert} className="rg-button rg-button--small" onClick={() => onDraft(undefined)} data-testid={`storyboard-edit-revert-${index}`}>
          Revert {label}
        </button>
      )}
    </div>
  );
}

/**
 * One storyboard card. Its reject choice is worded by what the gate does
 * with rejected items (`rejectedItems`); its words can be rewritten (an
 * edited card is made again from them, neither approved nor rejected).
 * `actions` is where further per-item actions beside the verdict go.
 */
export function StoryboardCard({
  item,
  verdict,
  onVerdict,
  decided,
  cost,
  actions,
  rejectedItems = 'fail',
  draft,
  onDraft,
  fresh = false,
  editedEarlier = false,
}: {
  item: ReviewItem;
  verdict: ItemVerdict;
  onVerdict(verdict: ItemVerdict): void;
  decided: boolean;
  /** What making this item after approval costs, when priced ("about $0.40 to make"). */
  cost?: string | undefined;
  actions?: ReactNode;
  /** What the gate does with a rejected item: the reject choice says so. */
  rejectedItems?: RejectedItemAction;
  /** The producer's rewrite of the item's words (its prompt, else its line); undefined: not rewritten. */
  draft?: string | undefined;
  /** Starts (with the item's words), changes or (undefined) reverts the rewrite; absent: the card offers none. */
  onDraft?: ((words: string | undefined) => void) | undefined;
  /** Made again for this round (rejected or edited in the round before). */
  fresh?: boolean;
  /** Its words were rewritten in an earlier round: the item shows them already. */
  editedEarlier?: boolean;
}) {
  const media = useMemo(() => cardMedia(item), [item]);
  const heading = itemHeading(item);
  const name = `verdict-${item.index}`;
  const wording = rejectWording[rejectedItems];
  const editable = editableWords(item);
  const state: CardState = isEdited(item, draft) ? 'edit' : verdict;
  const described = state === 'edit' ? `edited, to be made again` : state === 'approve' ? 'approved' : wording.state;
  const take = takeLabel(item);
  const editing = editable !== undefined && draft !== undefined;
  return (
    <article
      className={`rg-storyboard__card rg-storyboard__card--${state}${fresh ? ' rg-storyboard__card--fresh' : ''}`}
      data-testid={`storyboard-item-${item.index}`}
      data-verdict={state}
      data-fresh={fresh ? 'true' : undefined}
      data-key={item.key}
      aria-label={`${heading}: ${described}${fresh ? ' (a new take)' : ''}`}
    >
      <header className="rg-storyboard__card-head">
        <span className="rg-storyboard__index">{item.index + 1}</span>
        <h3 data-testid={`storyboard-title-${item.index}`}>{heading}</h3>
        {fresh || take ? (
          <span className={`rg-run-chip rg-storyboard__take${fresh ? ' rg-storyboard__take--fresh' : ''}`} data-testid={`storyboard-take-${item.index}`} title={Object.entries(item.takes ?? {}).map(([node, t]) => `${node}: take ${t + 1}`).join(', ') || undefined}>
            {[fresh ? 'new take' : undefined, take].filter(Boolean).join(' · ')}
          </span>
        ) : null}
        {cost ? (
          <span className="rg-run-muted rg-storyboard__cost" data-testid={`storyboard-cost-${item.index}`} title="The paid work after this gate for one item, averaged over the items not made yet">
            {cost}
          </span>
        ) : null}
      </header>
      {media.still ? <Still index={item.index} kind={media.still.kind} hash={media.still.handle.hash} name={media.still.handle.name ?? `${heading} still`} /> : <div className="rg-storyboard__still rg-storyboard__still--empty rg-run-muted">no still yet</div>}
      {item.prompt && !(editing && editable.field === 'prompt') ? (
        <p className="rg-storyboard__prompt" data-testid={`storyboard-prompt-${item.index}`}>
          {item.prompt}
        </p>
      ) : null}
      {item.text && !(editing && editable.field === 'text') ? (
        <p className="rg-storyboard__text" data-testid={`storyboard-text-${item.index}`}>
          {item.text}
        </p>
      ) : null}
      {editedEarlier ? (
        <span className="rg-run-muted rg-storyboard__edited" data-testid={`storyboard-edited-earlier-${item.index}`} title="These words were rewritten in an earlier round">
          edited
        </span>
      ) : null}
      {editing ? <WordsEditor index={item.index} field={editable.field} draft={draft} edited={state === 'edit'} decided={decided || onDraft === undefined} onDraft={(words) => onDraft?.(words)} /> : null}
      {media.voices.length > 0 ? (
        <div className="rg-storyboard__voices" data-testid={`storyboard-voices-${item.index}`} data-count={media.voices.length}>
          {media.voices.map((handle, line) => (
            <VoiceLine key={handle.hash} index={item.index} line={line} hash={handle.hash} name={`${heading}, line ${line + 1}`} />
          ))}
        </div>
      ) : null}
      <footer className="rg-storyboard__card-foot">
        {state === 'edit' ? (
          <span className="rg-storyboard__edit-state" data-testid={`storyboard-edited-${item.index}`}>
            edited: made again from the new words
          </span>
        ) : (
          <fieldset className="rg-storyboard__verdict" disabled={decided}>
            <legend className="rg-storyboard__hidden">{heading}</legend>
            <label className="rg-storyboard__toggle rg-storyboard__toggle--approve">
              <input type="radio" name={name} value="approve" checked={verdict === 'approve'} onChange={() => onVerdict('approve')} data-testid={`storyboard-approve-${item.index}`} />
              approve
            </label>
            <label className="rg-storyboard__toggle rg-storyboard__toggle--reject">
              <input type="radio" name={name} value="reject" checked={verdict === 'reject'} onChange={() => onVerdict('reject')} data-testid={`storyboard-reject-${item.index}`} />
              {wording.verdict}
            </label>
          </fieldset>
        )}
        {editable && onDraft && !decided && !editing ? (
          <button type="button" className="rg-button rg-button--small" onClick={() => onDraft(editable.words)} data-testid={`storyboard-edit-open-${item.index}`}>
            {editLabel(editable.field)}
          </button>
        ) : null}
        {actions}
      </footer>
    </article>
  );
}

/** Ticks once a second while a deadline is shown. */
function Countdown({ record }: { record: ReviewRecord }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (record.deadlineAt === undefined || record.status !== 'pending') return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [record.deadlineAt, record.status]);
  const text = record.status === 'pending' ? describeDeadline(record, now) : undefined;
  if (!text) return null;
  return (
    <div className="rg-storyboard__deadline" data-testid="storyboard-deadline" data-deadline={record.deadlineAt} role="timer" aria-live="off">
      ⏱ {text}
    </div>
  );
}

function describeFailure(error: unknown): string {
  if (error instanceof ApiError) return error.status === 409 ? `${error.message} (decided already, or the run moved on)` : error.message;
  return error instanceof Error ? error.message : String(error);
}

/** From round 2 on: which round this is and which items were made again for it (their cards say "new take"). */
export function StoryboardRound({ record }: { record: Pick<ReviewRecord, 'round' | 'regenerated' | 'items'> }) {
  const text = describeRound(record);
  if (!text) return null;
  return (
    <div className="rg-storyboard__round" data-testid="storyboard-round" data-round={roundOf(record)} data-regenerated={(record.regenerated ?? []).join(',')}>
      {text}
    </div>
  );
}

/** The drafts with one item's rewrite started, changed or (undefined) reverted. */
function withDraft(drafts: Drafts, index: number, words: string | undefined): Drafts {
  if (words !== undefined) return { ...drafts, [index]: words };
  const { [index]: _reverted, ...rest } = drafts;
  return rest;
}

/** The storyboard of one gate's record, with the decision controls while it waits. */
function StoryboardBody({ record, gateTitle, onDone }: { record: ReviewRecord; gateTitle: string; onDone(): void }) {
  const api = useApi();
  const queries = useQueryClient();
  const [verdicts, setVerdicts] = useState<Verdicts>(() => initialVerdicts(record));
  const [drafts, setDrafts] = useState<Drafts>({});
  const [note, setNote] = useState('');
  const [sending, setSending] = useState<DecisionAction | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const pending = record.status === 'pending';
  const estimate = useReviewEstimate(api, record.runId, pending);
  const cost = storyboardCost(estimate.data, record.items.length);
  // A decided record shows what was decided; an open one what the producer chose so far.
  const shown: Verdicts = pending ? verdicts : Object.fromEntries(record.items.map((item) => [item.index, (record.rejected ?? []).includes(item.index) ? 'reject' : 'approve']));
  // A decided record shows this round's rewrites (being made again) as it stored them.
  const shownDrafts: Drafts = pending ? drafts : Object.fromEntries(editsThisRound(record));
  const earlier = editedBefore(record);
  const regenerated = new Set(record.regenerated ?? []);
  // Every item rejected and none rewritten rejects the gate ("Reject run"'s job), unless the gate makes rejected items again.
  const nothingToSend = record.rejectedItems !== 'regenerate' && record.items.every((item) => shown[item.index] === 'reject' && !isEdited(item, shownDrafts[item.index]));

  const decide = async (action: DecisionAction): Promise<void> => {
    const built = decisionRequest(action, record, verdicts, note, drafts);
    if ('problem' in built) {
      setFailure(built.problem);
      return;
    }
    setSending(action);
    setFailure(undefined);
    try {
      const decided = await api.decideReview(record.runId, built.request);
      reviewDecided(queries, decided);
      // Its own topic: the gate may already wait again (the next round, told on `review:<run>`) when this answer arrives, and that must stay said.
      notify('success', `"${gateTitle}": ${describeDecision(decided)}`, { topic: `review-decision:${record.runId}` });
      onDone();
    } catch (error) {
      setFailure(describeFailure(error));
      // Decided elsewhere meanwhile: show what was decided.
      void queries.invalidateQueries({ queryKey: ['reviews', record.runId] });
    } finally {
      setSending(undefined);
    }
  };

  return (
    <>
      <div className="rg-storyboard__facts">
        <span className={`rg-run-chip rg-storyboard__status rg-storyboard__status--${record.status}`} data-testid="storyboard-status" data-status={record.status}>
          {record.status === 'pending' ? 'waiting for you' : record.status}
        </span>
        <span className="rg-run-muted">
          {record.items.length} item{record.items.length === 1 ? '' : 's'} · {rejectWording[record.rejectedItems].facts}
        </span>
        <Countdown record={record} />
      </div>
      <StoryboardRound record={record} />
      {pending && cost ? (
        <div className="rg-run-muted" data-testid="storyboard-cost">
          {cost.summary}
        </div>
      ) : null}
      {!pending ? (
        <div className="rg-storyboard__decision" data-testid="storyboard-decision">
          {describeDecision(record)}
          {nextRoundNote(record) ? (
            <div className="rg-run-muted" data-testid="storyboard-next-round">
              {nextRoundNote(record)}
            </div>
          ) : null}
        </div>
      ) : null}
      <div className="rg-storyboard__grid" data-testid="storyboard-items" data-count={record.items.length}>
        {record.items.map((item) => (
          <StoryboardCard
            key={item.index}
            item={item}
            verdict={shown[item.index] ?? 'approve'}
            decided={!pending || sending !== undefined}
            cost={pending ? cost?.perItem : undefined}
            onVerdict={(verdict) => setVerdicts((current) => ({ ...current, [item.index]: verdict }))}
            rejectedItems={record.rejectedItems}
            draft={shownDrafts[item.index]}
            onDraft={pending ? (words) => setDrafts((current) => withDraft(current, item.index, words)) : undefined}
            fresh={regenerated.has(item.index)}
            editedEarlier={earlier.has(item.index)}
          />
        ))}
      </div>
      {pending ? (
        <footer className="rg-storyboard__foot">
          <label className="rg-storyboard__note">
            <span className="rg-run-muted">Note (optional, stored with the decision)</span>
            <textarea className="rg-run-field" rows={2} maxLength={2000} value={note} onChange={(event) => setNote(event.target.value)} data-testid="storyboard-note" />
          </label>
          {failure ? (
            <div className="rg-run-error" role="alert" data-testid="storyboard-error">
              {failure}
            </div>
          ) : null}
          <div className="rg-storyboard__buttons">
            <button
              type="button"
              className="rg-button rg-button--danger"
              disabled={sending !== undefined}
              onClick={() => void decide('reject-run')}
              data-testid="storyboard-reject-run"
              title="Fails the run at this gate; rewritten words are not kept"
            >
              {sending === 'reject-run' ? 'Rejecting…' : 'Reject run'}
            </button>
            <button
              type="button"
              className="rg-button"
              disabled={sending !== undefined || nothingToSend}
              onClick={() => void decide('approve-selected')}
              data-testid="storyboard-approve-selected"
              title={`Approves the items marked approve; the others are ${rejectWording[record.rejectedItems].state}; edited items are made again from their new words`}
            >
              {sending === 'approve-selected' ? 'Sending…' : approveSelectedLabel(record, verdicts, drafts)}
            </button>
            <button type="button" className="rg-button rg-button--primary" disabled={sending !== undefined} onClick={() => void decide('approve-all')} data-testid="storyboard-approve-all">
              {sending === 'approve-all' ? 'Approving…' : approveAllLabel(record, drafts)}
            </button>
          </div>
        </footer>
      ) : null}
    </>
  );
}

/** The storyboard over the canvas (ui-store `storyboard`), for the followed run. */
export function StoryboardDialog() {
  const api = useApi();
  const request = useUiStore((state) => state.storyboard);
  const close = useUiStore((state) => state.closeStoryboard);
  const run = useRunStore((state) => state.run);
  const runId = useRunStore((state) => state.runId);
  const reviews = useRunReviews(api, runId, request !== null);
  const box = useRef<HTMLDivElement>(null);

  const open = request !== null;
  useModalFocus(open, box);

  if (!request) return null;
  const records = reviews.data?.reviews ?? [];
  const nodeId = request.nodeId ?? waitingGates(run)[0] ?? pendingReview(records)?.nodeId;
  const record = nodeId !== undefined ? (pendingReview(records, nodeId) ?? [...records].reverse().find((review) => review.nodeId === nodeId)) : undefined;
  const gateTitle = nodeId !== undefined ? nodeTitle(run, nodeId) : 'review';

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    // Keys pressed here are the storyboard's: the editor's shortcuts must not see them.
    event.stopPropagation();
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
      return;
    }
    if (event.key !== 'Tab') return;
    const focusable = Array.from(box.current?.querySelectorAll<HTMLElement>('button:not([disabled]), input:not([disabled]), textarea, audio[controls], video[controls]') ?? []).filter(
      (element) => !(element instanceof HTMLInputElement && element.type === 'radio' && !element.checked),
    );
    if (focusable.length === 0) return;
    const index = focusable.indexOf(document.activeElement as HTMLElement);
    const last = focusable.length - 1;
    // Only the wrap-around is ours; inside, the browser's order is right.
    if (event.shiftKey && index <= 0) {
      event.preventDefault();
      focusable[last]?.focus();
    } else if (!event.shiftKey && (index === last || index === -1)) {
      event.preventDefault();
      focusable[0]?.focus();
    }
  };

  return (
    <div className="rg-modal" onMouseDown={(event) => event.target === event.currentTarget && close()} onKeyDown={onKeyDown}>
      <div ref={box} className="rg-modal__box rg-storyboard" role="dialog" aria-modal="true" aria-labelledby="rg-storyboard-title" tabIndex={-1} data-testid="storyboard" data-node={nodeId} data-run={runId}>
        <header className="rg-modal__head">
          <h2 id="rg-storyboard-title">
            Storyboard <span className="rg-run-muted">· {gateTitle}</span>
          </h2>
          <button type="button" className="rg-button rg-button--small" onClick={close} aria-label="Close the storyboard" data-testid="storyboard-close">
            ✕
          </button>
        </header>
        {reviews.isPending && reviews.fetchStatus !== 'idle' ? <div className="rg-run-muted">Loading the storyboard…</div> : null}
        {reviews.error ? (
          <div className="rg-run-error" data-testid="storyboard-load-error">
            {describeFailure(reviews.error)}
          </div>
        ) : null}
        {reviews.data && !record ? <div className="rg-run-muted" data-testid="storyboard-none">No review gate of this run {runId ? 'waits' : 'is shown'}.</div> : null}
        {/* Keyed by gate, round and status: a gate decided elsewhere starts over from its stored decision, a new round from its new items. */}
        {record ? <StoryboardBody key={`${record.nodeId}:${roundOf(record)}:${record.status}`} record={record} gateTitle={gateTitle} onDone={close} /> : null}
      </div>
    </div>
  );
}

/**
 * The Run panel's review section: each gate of the followed run, waiting
 * (with the button that opens its storyboard) or decided (what was decided).
 */
export function RunReviews() {
  const api = useApi();
  const run = useRunStore((state) => state.run);
  const waiting = useMemo(() => waitingGates(run), [run]);
  const registry = useGraphStore((state) => state.registry);
  // Only a run with a gate asks for reviews: the others have none to show.
  const hasGate = useMemo(() => (run?.detail?.graph?.nodes ?? []).some((node) => registry?.get(node.type, node.typeVersion)?.control === 'review'), [run?.detail?.graph, registry]);
  const reviews = useRunReviews(api, run?.runId, waiting.length > 0 || hasGate);
  const openStoryboard = useUiStore((state) => state.openStoryboard);
  const records = reviews.data?.runId === run?.runId ? (reviews.data?.reviews ?? []) : [];
  if (!run || (waiting.length === 0 && records.length === 0)) return null;
  const gates = [...new Set([...waiting, ...records.map((record) => record.nodeId)])];
  return (
    <section className="rg-run-section rg-run-reviews" data-testid="run-reviews">
      <h4>Review</h4>
      {gates.map((nodeId) => {
        const record = pendingReview(records, nodeId) ?? [...records].reverse().find((review) => review.nodeId === nodeId);
        const status = record?.status ?? 'pending';
        return (
          <div key={nodeId} className={`rg-run-review rg-run-review--${status}`} data-testid={`run-review-${nodeId}`} data-status={status}>
            <span>
              <strong>{nodeTitle(run, nodeId)}</strong> <span className="rg-run-muted">{record ? describeDecision(record) : 'waiting for a decision'}</span>
            </span>
            <button type="button" className={`rg-button rg-button--small${status === 'pending' ? ' rg-button--primary' : ''}`} onClick={() => openStoryboard(nodeId)} data-testid={`run-review-open-${nodeId}`}>
              {status === 'pending' ? 'Review storyboard' : 'Storyboard'}
            </button>
          </div>
        );
      })}
    </section>
  );
}

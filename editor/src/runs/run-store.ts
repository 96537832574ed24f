/**
 * The run the editor shows (the canvas badges, the run panel, the
 * inspector): which run, its live state, and the socket connection that
 * feeds it. State changes go through the pure functions of run-state.ts.
 *
 * `connectRuns(api)` opens the one socket.io connection; `showRun(runId)`
 * follows a run (a fresh one or one from the history): it subscribes, and
 * also reads the run over REST, so the panel works while the socket
 * reconnects. When the run ends, its detail is read again for the outputs.
 *
 * The Run panel's form (`useRunForm`) is a draft kept per graph: on the
 * server for a stored graph (GET/PUT /api/graphs/:id/inputs, saved a moment
 * after typing stops), in this browser for an unsaved document, and in this
 * browser too for a stored graph until the server has it (so a reload right
 * after typing keeps it). When the open graph changes, the form follows it;
 * a first save keeps the form and the run shown (the runs started while the
 * document had no id, `unsavedRunIds()`, are adopted by the new graph).
 */
import { create } from 'zustand';
import type { Priority, ReelgraphEvent } from '../../../runtime/contract/events.js';
import type { RunDetail, RunLogRow } from '../../../runtime/contract/records.js';
import type { ApiClient } from '../api/client.js';
import { queryClientFor, reviewKeys } from '../api/queries.js';
import { currentRoute, navigate } from '../shell/routing.js';
import { useGraphStore } from '../state/graph-store.js';
import { notify } from '../state/toast-store.js';
import { newerDraft, parseLocalDraft, formValuesFromInputs, type FormValues } from './run-inputs.js';
import { MAX_LOG_LINES, applyRunEvent, isRunActive, mergeSnapshot, terminalRunStatuses, withFetchedLogs, type NodeRunState, type RunState } from './run-state.js';
import { nodeOutcome, nodeTitle, type NodeOutcome } from './run-progress.js';
import { waitingGates, waitingMessage } from './review.js';
import { RunSocket, type ConnectionState } from './socket.js';

export interface RunStoreState {
  /** The run followed, if any. */
  runId: string | undefined;
  run: RunState | undefined;
  /** Events that arrived before the first snapshot of the run. */
  pending: ReelgraphEvent[];
  connection: ConnectionState;
  connectionMessage?: string;
  /** A failure to load or follow the run. */
  error?: string;

  select(runId: string | undefined): void;
  receiveSnapshot(detail: RunDetail): void;
  receiveEvent(event: ReelgraphEvent): void;
  receiveLogs(rows: RunLogRow[]): void;
  /**
   * A fresher reading of the run's spend (`usage`, `costUsd`) while it runs.
   * Spend only grows: a reading older than the one shown is ignored.
   */
  receiveSpend(detail: Pick<RunDetail, 'id' | 'usage' | 'costUsd'>): void;
  setConnection(state: ConnectionState, message?: string): void;
  setError(message: string | undefined): void;
}

export const useRunStore = create<RunStoreState>()((set) => ({
  runId: undefined,
  run: undefined,
  pending: [],
  connection: 'idle',

  select: (runId) => set((s) => (s.runId === runId ? s : { runId, run: undefined, pending: [], error: undefined })),

  receiveSnapshot: (detail) =>
    set((s) => {
      if (detail.id !== s.runId) return s;
      let run = mergeSnapshot(s.run, detail);
      for (const event of s.pending) run = applyRunEvent(run, event);
      return { run, pending: [] };
    }),

  receiveEvent: (event) =>
    set((s) => {
      if (event.runId !== s.runId) return s;
      if (!s.run) return { pending: [...s.pending, event].slice(-5000) };
      const run = applyRunEvent(s.run, event);
      return run === s.run ? s : { run };
    }),

  receiveLogs: (rows) => set((s) => (s.run && rows.length > 0 ? { run: withFetchedLogs(s.run, rows) } : s)),

  receiveSpend: (detail) =>
    set((s) => {
      const shown = s.run?.detail;
      if (!s.run || !shown || detail.id !== s.runId || detail.costUsd <= shown.costUsd) return s;
      return { run: { ...s.run, detail: { ...shown, usage: detail.usage, costUsd: detail.costUsd } } };
    }),

  setConnection: (connection, message) => set({ connection, connectionMessage: message }),
  setError: (error) => set({ error }),
}));

/**
 * The Run panel's form, kept outside the panel so it survives switching
 * tabs (and the toolbar's Run can start a run with it while the panel is
 * closed). Values by input name: text as typed, or a checkbox's boolean.
 */
export interface RunFormState {
  values: FormValues;
  priority: Priority;
  noCache: boolean;
  /** Preview one scene (its number as typed, from 1); '' runs the whole episode. */
  scene: string;
  /** The run's budget in USD as typed ('' = none), sent as `budgetUsd`. Kept when another graph opens: a spending cap should not vanish by itself. */
  budget: string;
  /**
   * The estimate was asked for once: from then on it follows the graph and
   * the inputs (debounced), whichever graph is open. Not from the start: an
   * estimate executes the cheap upstream nodes (script parsing) and caches
   * their results, which a producer should ask for, not get by opening a tab.
   */
  estimating: boolean;
  /** The toolbar's last run request (graph store `runRequest`) already handled. */
  handledRunRequest: number;
  setValue(name: string, value: string | boolean): void;
  setPriority(priority: Priority): void;
  setNoCache(noCache: boolean): void;
  setScene(scene: string): void;
  setBudget(budget: string): void;
  setEstimating(estimating: boolean): void;
  reset(): void;
}

export const useRunForm = create<RunFormState>()((set) => ({
  values: {},
  priority: 'normal',
  noCache: false,
  scene: '',
  budget: '',
  estimating: false,
  handledRunRequest: 0,
  setValue: (name, value) => set((s) => ({ values: { ...s.values, [name]: value } })),
  setPriority: (priority) => set({ priority }),
  setNoCache: (noCache) => set({ noCache }),
  setScene: (scene) => set({ scene }),
  setBudget: (budget) => set({ budget }),
  setEstimating: (estimating) => set({ estimating }),
  reset: () => set({ values: {}, noCache: false, scene: '' }),
}));

/** One node's live state in the followed run (undefined: no run, or the node has not reported). */
export const useNodeRun = (nodeId: string): NodeRunState | undefined => useRunStore((s) => s.run?.nodes[nodeId]);

/**
 * What a node's status reads as for people: its engine status, except
 * `fell-back` for a failure a fallback covered (shown neutrally, not red);
 * `idle` when no run shows it. Canvas cards colour by this.
 */
export const useNodeOutcome = (nodeId: string): NodeOutcome => useRunStore((s) => nodeOutcome(s.run, nodeId));

// ---------------------------------------------------------------- the connection

let socket: RunSocket | undefined;
let socketToken: string | undefined;
let client: ApiClient | undefined;
let loading: AbortController | undefined;

/** Opens (once per token) the socket.io connection the store is fed from. */
export function connectRuns(api: ApiClient): void {
  client = api;
  draftsConnected();
  if (socket && socketToken === api.authToken) return;
  socket?.close();
  socketToken = api.authToken;
  const store = useRunStore.getState();
  socket = new RunSocket(
    api.authToken,
    {
      snapshot: (detail) => useRunStore.getState().receiveSnapshot(detail),
      event: (event) => {
        useRunStore.getState().receiveEvent(event);
        if (event.type === 'usage') spendChanged(event.runId);
        // A gate opened or was decided (here, by the CLI, by its timeout): its storyboard is read again.
        if (event.type === 'review' || (event.type === 'run' && event.status !== 'waiting')) void queryClientFor(api).invalidateQueries({ queryKey: reviewKeys.forRun(event.runId) });
        // The run ended: read it again for its outputs (written just after the last event).
        if (event.type === 'run' && terminalRunStatuses.has(event.status)) void reload(event.runId);
      },
      connection: (state, message) => {
        useRunStore.getState().setConnection(state, message);
        announceConnection(state);
      },
      refused: (_runId, message) => useRunStore.getState().setError(message),
    },
    api.baseUrl,
  );
  if (store.runId) socket.follow(store.runId);
}

/** Whether live updates were lost since they last worked (a reconnect is then worth saying). */
let liveLost = false;
let everConnected = false;

/**
 * Says once that live updates stopped and once that they are back — on one
 * toast topic, so a flapping connection shows one toast, not one per try.
 */
function announceConnection(state: ConnectionState): void {
  if (state === 'connected') {
    if (liveLost) notify('success', 'Live run updates are back.', { topic: LIVE_TOPIC });
    liveLost = false;
    everConnected = true;
  } else if ((state === 'disconnected' || state === 'error') && everConnected && !liveLost) {
    liveLost = true;
    notify('warning', 'Live run updates lost; reconnecting…', { topic: LIVE_TOPIC });
  }
}

const LIVE_TOPIC = 'live-connection';

/** The live connection, if any (diagnostics and tests). */
export const runSocket = (): RunSocket | undefined => socket;

export function disconnectRuns(): void {
  everConnected = false;
  liveLost = false;
  socket?.close();
  socket = undefined;
  socketToken = undefined;
  useRunStore.getState().setConnection('idle');
}

/** Follows a run: subscribes, and reads its detail and logs over REST as well. */
export async function showRun(runId: string | undefined): Promise<void> {
  useRunStore.getState().select(runId);
  socket?.follow(runId);
  loading?.abort();
  if (!runId || !client) return;
  const controller = new AbortController();
  loading = controller;
  await load(client, runId, controller.signal);
}

async function load(api: ApiClient, runId: string, signal: AbortSignal): Promise<void> {
  const store = useRunStore.getState;
  try {
    const [detail, logs] = await Promise.all([api.getRun(runId, undefined, signal), logTail(api, runId, signal).catch(() => undefined)]);
    store().receiveSnapshot(detail);
    if (logs) store().receiveLogs(logs);
    // Without a socket, long-poll until the run ends.
    while (!signal.aborted && isRunActive(store().run?.status) && !socket?.connected) {
      store().receiveSnapshot(await api.getRun(runId, 20_000, signal));
    }
  } catch (error) {
    if (!signal.aborted) store().setError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * How often the spend of a running run is read again while usage arrives.
 * The events carry usage, not dollars: the server prices it (the editor has
 * no price table), so the record is asked, at most this often.
 */
const SPEND_REFRESH_MS = 2_000;
let spendTimer: ReturnType<typeof setTimeout> | undefined;

function spendChanged(runId: string): void {
  if (spendTimer) return;
  spendTimer = setTimeout(() => {
    spendTimer = undefined;
    void refreshSpend(runId);
  }, SPEND_REFRESH_MS);
}

async function refreshSpend(runId: string): Promise<void> {
  if (!client || useRunStore.getState().runId !== runId) return;
  try {
    useRunStore.getState().receiveSpend(await client.getRun(runId));
  } catch {
    // The next usage, or the run's end, reads it again.
  }
}

async function reload(runId: string): Promise<void> {
  if (!client || useRunStore.getState().runId !== runId) return;
  try {
    // `wait` returns as soon as the server has finished the run (outputs written).
    const detail = await client.getRun(runId, 10_000);
    useRunStore.getState().receiveSnapshot(detail);
    useRunStore.getState().receiveLogs(await logTail(client, runId));
  } catch {
    // The socket state stays; outputs appear when the run is opened again.
  }
}

/** The last stored log lines of a run (the server keeps up to 2000, oldest first). */
async function logTail(api: ApiClient, runId: string, signal?: AbortSignal): Promise<RunLogRow[]> {
  let rows: RunLogRow[] = [];
  let afterId = 0;
  for (let page = 0; page < 5; page++) {
    const { logs, nextAfterId } = await api.runLogs(runId, { afterId, limit: 1000 }, signal);
    rows = [...rows, ...logs].slice(-MAX_LOG_LINES);
    if (logs.length < 1000) break;
    afterId = nextAfterId;
  }
  return rows;
}

// ---------------------------------------------------------------- review gates

/**
 * Gates waiting now that were announced, as `runId:nodeId`: a snapshot after
 * a reconnect does not say it again. A gate leaves the set when it stops
 * waiting, so the next round of its review (rejected or edited items made
 * again, the gate waiting anew) is said again.
 */
const announcedGates = new Set<string>();

/**
 * The followed run started waiting at a gate (a live event, or a snapshot of
 * a run that waits already): say so once per wait, on the run's own topic.
 */
useRunStore.subscribe((state, previous) => {
  if (state.run === previous.run || !state.run) return;
  const run = state.run;
  const waiting = waitingGates(run);
  for (const key of announcedGates) {
    if (key.startsWith(`${run.runId}:`) && !waiting.includes(key.slice(run.runId.length + 1))) announcedGates.delete(key);
  }
  for (const nodeId of waiting) {
    const key = `${run.runId}:${nodeId}`;
    if (announcedGates.has(key)) continue;
    announcedGates.add(key);
    notify('info', waitingMessage(nodeTitle(run, nodeId)), { topic: `review:${run.runId}` });
  }
});

// ---------------------------------------------------------------- runs of the unsaved document

/**
 * Runs started while the open document had no id, oldest first (the first
 * save adopts them). Kept in this browser too: the unsaved document survives
 * a reload (shell/autosave.ts), and so must the runs its first save adopts.
 */
let runsOfUnsaved: string[] | undefined;
const UNSAVED_RUNS_KEY = 'reelgraph.unsavedRuns';

function readUnsavedRuns(): string[] {
  try {
    const parsed: unknown = JSON.parse(storage()?.getItem(UNSAVED_RUNS_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

function setUnsavedRuns(ids: string[]): void {
  runsOfUnsaved = ids;
  try {
    if (ids.length === 0) storage()?.removeItem(UNSAVED_RUNS_KEY);
    else storage()?.setItem(UNSAVED_RUNS_KEY, JSON.stringify(ids));
  } catch {
    // Storage unavailable: this tab still remembers them.
  }
}

/** Runs started from the open document while it had no id (H2's first save passes them as `adoptRuns`). */
export function unsavedRunIds(): string[] {
  runsOfUnsaved ??= readUnsavedRuns();
  return [...runsOfUnsaved];
}

/**
 * A run was started from the Run panel: remember it for adoption when the
 * document is unsaved, follow it, and put it in the URL.
 */
export function startedRun(runId: string): void {
  const graphId = useGraphStore.getState().meta.id;
  if (!graphId) setUnsavedRuns([...unsavedRunIds(), runId].slice(-50));
  void showRun(runId);
  route({ ...(graphId ? { graphId } : {}), runId });
}

/** Puts a run in the address bar (no-op outside a browser, e.g. in unit tests). */
function route(next: { graphId?: string; runId?: string }): void {
  if (typeof window !== 'undefined') navigate(next);
}

/** Shows a run the URL names (a reload, a shared link). */
export async function openRun(api: ApiClient, runId: string): Promise<void> {
  client = api;
  openedByRoute = runId;
  connectRuns(api);
  await showRun(runId);
}

/** Opens a run picked in the history: shows it, puts it in the URL, and restores the inputs it ran with. */
export function openRunFromHistory(run: { id: string; graphId?: string; inputs?: Record<string, unknown> }): void {
  void showRun(run.id);
  const graphId = useGraphStore.getState().meta.id ?? run.graphId;
  route({ ...(graphId ? { graphId } : {}), runId: run.id });
  if (run.inputs && Object.keys(run.inputs).length > 0) {
    const declared = useGraphStore.getState().doc?.inputs;
    useRunForm.setState({ values: { ...useRunForm.getState().values, ...formValuesFromInputs(run.inputs, declared) } });
  }
}

/** The run the URL asked for: kept when the graph it belongs to opens around it. */
let openedByRoute: string | undefined;

// ---------------------------------------------------------------- run inputs drafts

const LOCAL_PREFIX = 'reelgraph.runInputs.';
const UNSAVED_SLOT = '~unsaved';
const SAVE_DELAY_MS = 600;

/** The graph whose draft the form holds (undefined: the unsaved document). */
let draftGraphId: string | undefined = useGraphStore.getState().meta.id;
/** Counts edits of the form: a draft arriving from the server never overwrites newer typing. */
let formEdits = 0;
/** Setting values that came from a stored draft (not an edit: no save). */
let applyingDraft = false;
let saveTimer: ReturnType<typeof setTimeout> | undefined;
let draftLoad: AbortController | undefined;
/** The graph whose server draft was asked for (once per opening). */
let draftRequestedFor: string | null | undefined;

const storage = (): Storage | undefined => {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
};
const localKey = (graphId: string | undefined): string => `${LOCAL_PREFIX}${graphId ?? UNSAVED_SLOT}`;

function readLocal(graphId: string | undefined) {
  return parseLocalDraft(storage()?.getItem(localKey(graphId)) ?? null);
}

function writeLocal(graphId: string | undefined, values: FormValues): void {
  try {
    if (Object.keys(values).length === 0) storage()?.removeItem(localKey(graphId));
    else storage()?.setItem(localKey(graphId), JSON.stringify({ values, at: Date.now() }));
  } catch {
    // Storage full or disabled: the server copy (for a stored graph) still goes out.
  }
}

function applyDraft(values: FormValues): void {
  applyingDraft = true;
  try {
    useRunForm.setState({ values });
  } finally {
    applyingDraft = false;
  }
}

/** Sends the form to the server now (a stored graph); the local copy is dropped once the server has it. */
function flushDraft(): void {
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = undefined;
  const graphId = draftGraphId;
  const { values } = useRunForm.getState();
  if (!graphId || !client) return;
  client.saveGraphInputs(graphId, values).then(
    () => {
      // Nothing typed since: the server copy is the newest.
      if (draftGraphId === graphId && useRunForm.getState().values === values) storage()?.removeItem(localKey(graphId));
    },
    () => {
      // Kept locally; the next edit or opening tries again.
    },
  );
}

/** Fills the form from the open graph's stored draft (server, or this browser's newer copy), unless typing came first. */
function loadDraft(graphId: string | undefined): void {
  draftLoad?.abort();
  draftLoad = undefined;
  const local = readLocal(graphId);
  if (!graphId) {
    if (local) applyDraft(local.values);
    draftRequestedFor = null;
    return;
  }
  if (!client) {
    if (local) applyDraft(local.values);
    return;
  }
  draftRequestedFor = graphId;
  const controller = new AbortController();
  draftLoad = controller;
  const edits = formEdits;
  client.graphInputs(graphId, controller.signal).then(
    (server) => {
      if (controller.signal.aborted || draftGraphId !== graphId || formEdits !== edits) return;
      const values = newerDraft(server, readLocal(graphId));
      if (values) applyDraft(values);
      // This browser's copy was newer: the server gets it.
      if (values && local && values === local.values) flushDraft();
    },
    () => {
      if (!controller.signal.aborted && draftGraphId === graphId && formEdits === edits && local) applyDraft(local.values);
    },
  );
}

/** The API became known (the Run panel connected): load the open graph's draft if it was not asked for yet. */
function draftsConnected(): void {
  if (draftRequestedFor !== (draftGraphId ?? null)) loadDraft(draftGraphId);
}

/**
 * Fills the Run panel's inputs (e.g. an example episode's text from the
 * templates gallery) and keeps them as the open graph's draft.
 */
export function setRunInputsDraft(inputs: Record<string, unknown>): void {
  useRunForm.setState({ values: { ...useRunForm.getState().values, ...formValuesFromInputs(inputs) } });
}

// Every edit: a local copy now, the server's a moment after typing stops.
useRunForm.subscribe((state, previous) => {
  if (state.values === previous.values || applyingDraft) return;
  formEdits += 1;
  writeLocal(draftGraphId, state.values);
  if (!draftGraphId) return;
  if (saveTimer) clearTimeout(saveTimer);
  saveTimer = setTimeout(flushDraft, SAVE_DELAY_MS);
});

// The open graph changed: the form and the shown run follow it.
useGraphStore.subscribe((state, previous) => {
  const graphId = state.meta.id;
  const before = previous.meta.id;
  if (graphId === before) return;
  if (state.doc === previous.doc) {
    // The same document got (or lost) its id: its first save, or its stored graph was deleted.
    draftGraphId = graphId;
    const { values } = useRunForm.getState();
    if (graphId) {
      writeLocal(graphId, values);
      storage()?.removeItem(localKey(undefined));
      draftRequestedFor = graphId;
      flushDraft();
      // The server adopted them with the save.
      setUnsavedRuns([]);
      keepRunInRoute(graphId);
    } else writeLocal(undefined, values);
    return;
  }
  // Another graph: what was typed for the previous one is saved first.
  if (saveTimer) flushDraftFor(before);
  draftGraphId = graphId;
  // Another document: the runs of the unsaved one are not this one's to adopt.
  setUnsavedRuns([]);
  applyingDraft = true;
  try {
    useRunForm.getState().reset();
  } finally {
    applyingDraft = false;
  }
  loadDraft(graphId);
  const { runId, run } = useRunStore.getState();
  const keep = runId !== undefined && (openedByRoute === runId || (run !== undefined && run.graphId !== undefined && run.graphId === graphId));
  if (!keep && runId !== undefined) void showRun(undefined);
  // A route run stays only for the graph it was opened with.
  if (openedByRoute && (typeof window === 'undefined' || currentRoute().runId !== openedByRoute)) openedByRoute = undefined;
});

/**
 * After a first save the URL names the new graph; the run shown (now one of
 * its runs) stays in it, so a reload shows it again. Runs after the shell
 * has moved the URL to the new id (a task later, not inside its listener).
 */
function keepRunInRoute(graphId: string): void {
  if (typeof window === 'undefined') return;
  setTimeout(() => {
    const { runId } = useRunStore.getState();
    const route = currentRoute();
    if (runId && useGraphStore.getState().meta.id === graphId && (route.graphId === graphId || route.graphId === undefined) && route.runId !== runId) {
      navigate({ graphId, runId }, { replace: true });
    }
  }, 0);
}

function flushDraftFor(graphId: string | undefined): void {
  const current = draftGraphId;
  draftGraphId = graphId;
  flushDraft();
  draftGraphId = current;
}

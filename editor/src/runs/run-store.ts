/**
 * The run the editor shows (the canvas badges, the run panel, the
 * inspector): which run, its live state, and the socket connection that
 * feeds it. State changes go through the pure functions of run-state.ts.
 *
 * `connectRuns(api)` opens the one socket.io connection; `showRun(runId)`
 * follows a run (a fresh one or one from the history): it subscribes, and
 * also reads the run over REST, so the panel works while the socket
 * reconnects. When the run ends, its detail is read again for the outputs.
 */
import { create } from 'zustand';
import type { Priority, ReelgraphEvent } from '../../../runtime/contract/events.js';
import type { RunDetail, RunLogRow } from '../../../runtime/store/types.js';
import type { ApiClient } from '../api/client.js';
import { MAX_LOG_LINES, applyRunEvent, isRunActive, mergeSnapshot, terminalRunStatuses, withFetchedLogs, type NodeRunState, type RunState } from './run-state.js';
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

  setConnection: (connection, message) => set({ connection, connectionMessage: message }),
  setError: (error) => set({ error }),
}));

/**
 * The Run panel's form, kept outside the panel so it survives switching
 * tabs (and the toolbar's Run can start a run with it while the panel is
 * closed). Values by input name: text as typed, or a checkbox's boolean.
 */
export interface RunFormState {
  values: Record<string, string | boolean>;
  priority: Priority;
  noCache: boolean;
  /** The toolbar's last run request (graph store `runRequest`) already handled. */
  handledRunRequest: number;
  setValue(name: string, value: string | boolean): void;
  setPriority(priority: Priority): void;
  setNoCache(noCache: boolean): void;
  reset(): void;
}

export const useRunForm = create<RunFormState>()((set) => ({
  values: {},
  priority: 'normal',
  noCache: false,
  handledRunRequest: 0,
  setValue: (name, value) => set((s) => ({ values: { ...s.values, [name]: value } })),
  setPriority: (priority) => set({ priority }),
  setNoCache: (noCache) => set({ noCache }),
  reset: () => set({ values: {}, noCache: false }),
}));

/** One node's live state in the followed run (undefined: no run, or the node has not reported). */
export const useNodeRun = (nodeId: string): NodeRunState | undefined => useRunStore((s) => s.run?.nodes[nodeId]);

// ---------------------------------------------------------------- the connection

let socket: RunSocket | undefined;
let socketToken: string | undefined;
let client: ApiClient | undefined;
let loading: AbortController | undefined;

/** Opens (once per token) the socket.io connection the store is fed from. */
export function connectRuns(api: ApiClient): void {
  client = api;
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
        // The run ended: read it again for its outputs (written just after the last event).
        if (event.type === 'run' && terminalRunStatuses.has(event.status)) void reload(event.runId);
      },
      connection: (state, message) => useRunStore.getState().setConnection(state, message),
      refused: (_runId, message) => useRunStore.getState().setError(message),
    },
    api.baseUrl,
  );
  if (store.runId) socket.follow(store.runId);
}

/** The live connection, if any (diagnostics and tests). */
export const runSocket = (): RunSocket | undefined => socket;

export function disconnectRuns(): void {
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

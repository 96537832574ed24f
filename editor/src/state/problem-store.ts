/**
 * Problems on the canvas: what the server's validation says about the open
 * document (problems and warnings, e.g. MISSING_CREDENTIAL), grouped by node
 * so each card can show a marker, and which nodes a series variant's
 * overrides touch.
 *
 * `watchProblems(api)` validates the open document whenever it changes
 * (debounced, the previous request aborted), so markers appear as a graph
 * is opened or edited and clear once it is fixed. A card reads only its own
 * entry (`useNodeProblems(id)`): an entry keeps its object while its content
 * is unchanged, so a validation round re-renders only the cards it changed.
 */
import { create } from 'zustand';
import { isVariant, type GraphDocument, type GraphProblem } from '../../../runtime/contract/index.js';
import type { ApiClient } from '../api/client.js';
import { fetchGraph, fetchVariantDiff } from '../api/queries.js';
import { computeOverrides } from '../graphs/diff.js';
import { describeProblem } from '../graphs/problems.js';
import { useGraphStore } from './graph-store.js';

/** error: the graph cannot run as it is; warning: it may fail (e.g. a missing credential); info: expected, e.g. a fallback. */
export type ProblemSeverity = 'error' | 'warning' | 'info';

export interface NodeProblem {
  severity: ProblemSeverity;
  code?: string;
  /** e.g. `param provider: must be equal to one of the allowed values` */
  message: string;
}

export interface NodeProblems {
  /** The worst severity of `problems`. */
  severity: ProblemSeverity;
  problems: NodeProblem[];
}

export interface NodeOverride {
  /** Added by the variant (not in its template). */
  added: boolean;
  /** Changed paths, e.g. `params.provider`, `position`. */
  paths: string[];
}

export interface ProblemState {
  /** Problems by node id; nodes without problems have no entry. */
  byNode: Record<string, NodeProblems>;
  /** Problems about the whole document (no node). */
  graph: NodeProblem[];
  /** The document the problems were computed for (undefined before the first answer). */
  checked: GraphDocument | undefined;
  status: 'idle' | 'checking' | 'ready' | 'error';
  error?: string;
  /** For a stored variant: the nodes its overrides (as edited now) touch. */
  overrides: Record<string, NodeOverride>;
  /** Edges with a problem (an incompatible connection, an unknown port), by edge id (`from->to`): the messages. */
  byEdge: Record<string, string>;
}

export const useProblemStore = create<ProblemState>()(() => ({ byNode: {}, graph: [], checked: undefined, status: 'idle', overrides: {}, byEdge: {} }));

/** Warnings the server marks as informational: a fallback expected to be taken is not a problem to fix. */
const INFO_CODES = new Set(['FALLBACK_EXPECTED']);

const sameRecord = (a: Record<string, string>, b: Record<string, string>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([key, value]) => b[key] === value);

const rank: Record<ProblemSeverity, number> = { error: 3, warning: 2, info: 1 };

const sameProblems = (a: NodeProblems, b: NodeProblems): boolean =>
  a.severity === b.severity &&
  a.problems.length === b.problems.length &&
  a.problems.every((problem, i) => problem.message === b.problems[i]?.message && problem.code === b.problems[i]?.code && problem.severity === b.problems[i]?.severity);

/** `param /provider` / `port segments` before the message, so the tooltip says where on the card. */
function problemText(problem: GraphProblem, doc: GraphDocument): string {
  const row = describeProblem(problem, doc);
  const where = [problem.port && `port ${problem.port}`, problem.param && `param ${problem.param.replace(/^\//, '')}`].filter(Boolean).join(' · ');
  return where ? `${where}: ${row.message}` : row.message;
}

/**
 * Problems and warnings grouped by node (pure). `previous` keeps entries
 * whose content is unchanged, so their cards do not re-render.
 */
export function groupProblems(
  doc: GraphDocument,
  answer: { problems: readonly GraphProblem[]; warnings?: readonly GraphProblem[] | undefined },
  previous: Record<string, NodeProblems> = {},
): { byNode: Record<string, NodeProblems>; graph: NodeProblem[]; byEdge: Record<string, string> } {
  const collected = new Map<string, NodeProblem[]>();
  const graph: NodeProblem[] = [];
  const byEdge: Record<string, string> = {};
  const add = (problem: GraphProblem, severity: ProblemSeverity) => {
    // `/edges/3` or `/edges/3/to`: the edge itself is drawn as faulty too.
    const edgeIndex = /^\/edges\/(\d+)(?:\/|$)/.exec(problem.path)?.[1];
    const edge = edgeIndex !== undefined ? doc.edges[Number(edgeIndex)] : undefined;
    if (edge && severity === 'error') {
      const id = `${edge.from}->${edge.to}`;
      byEdge[id] = byEdge[id] ? `${byEdge[id]}\n${problem.message}` : problem.message;
    }
    const nodeId = describeProblem(problem, doc).nodeId;
    const entry: NodeProblem = { severity, message: problemText(problem, doc), ...(problem.code ? { code: problem.code } : {}) };
    if (!nodeId || !doc.nodes.some((node) => node.id === nodeId)) {
      graph.push(entry);
      return;
    }
    const list = collected.get(nodeId) ?? [];
    // The server may report one fault twice (schema and semantic checks): show it once.
    if (!list.some((other) => other.message === entry.message)) list.push(entry);
    collected.set(nodeId, list);
  };
  for (const problem of answer.problems) add(problem, 'error');
  for (const warning of answer.warnings ?? []) add(warning, INFO_CODES.has(warning.code) ? 'info' : 'warning');

  const byNode: Record<string, NodeProblems> = {};
  for (const [nodeId, problems] of collected) {
    problems.sort((a, b) => rank[b.severity] - rank[a.severity]);
    const entry: NodeProblems = { severity: problems[0]!.severity, problems };
    const old = previous[nodeId];
    byNode[nodeId] = old && sameProblems(old, entry) ? old : entry;
  }
  return { byNode, graph, byEdge };
}

/** The nodes a variant's overrides touch, with the paths each changes (pure). */
export function overrideMarks(template: GraphDocument, edited: GraphDocument, previous: Record<string, NodeOverride> = {}): Record<string, NodeOverride> {
  const overrides = computeOverrides(template, edited).nodes ?? {};
  const templateIds = new Set(template.nodes.map((node) => node.id));
  const marks: Record<string, NodeOverride> = {};
  for (const [nodeId, patch] of Object.entries(overrides)) {
    if (patch === null) continue; // removed: no card to mark
    const added = !templateIds.has(nodeId);
    const paths = added ? [] : patchPaths(patch as Record<string, unknown>);
    const old = previous[nodeId];
    marks[nodeId] = old && old.added === added && old.paths.join('\n') === paths.join('\n') ? old : { added, paths };
  }
  return marks;
}

/** `{params: {provider: 'x', options: {pitch: 1}}}` → `params.provider`, `params.options.pitch`. */
function patchPaths(patch: Record<string, unknown>, prefix = ''): string[] {
  const paths: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (key === 'position' && !prefix) paths.push('position');
    else if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) paths.push(...patchPaths(value as Record<string, unknown>, path));
    else paths.push(path);
  }
  return paths;
}

/** The card's problems (undefined: none). */
export const useNodeProblems = (nodeId: string): NodeProblems | undefined => useProblemStore((state) => state.byNode[nodeId]);
/** The card's variant override (undefined: not touched by the variant, or not a variant). */
export const useNodeOverride = (nodeId: string): NodeOverride | undefined => useProblemStore((state) => state.overrides[nodeId]);

// ─── the watch ─────────────────────────────────────────────────────────────

/** Quiet time after an edit before validating: typing in a form validates once, not per key. */
export const VALIDATE_DEBOUNCE_MS = 400;

type ValidateApi = Pick<ApiClient, 'validateGraph' | 'getGraph' | 'graphDiff'>;

/**
 * Did only node positions change between two documents? Validation never
 * reads a position, so a drag (or an auto-layout) needs no server round trip.
 * Document operations keep untouched parts by reference, so this is a walk of
 * the node list, not a deep comparison.
 */
export function onlyPositionsChanged(before: GraphDocument, after: GraphDocument): boolean {
  if (before === after) return true;
  const { nodes: beforeNodes, ...beforeRest } = before;
  const { nodes: afterNodes, ...afterRest } = after;
  if (beforeNodes.length !== afterNodes.length) return false;
  const restKeys = new Set([...Object.keys(beforeRest), ...Object.keys(afterRest)]);
  for (const key of restKeys) if ((beforeRest as Record<string, unknown>)[key] !== (afterRest as Record<string, unknown>)[key]) return false;
  return afterNodes.every((node, index) => {
    const previous = beforeNodes[index]!;
    if (previous === node) return true;
    const { position: _a, ...was } = previous;
    const { position: _b, ...is } = node;
    const keys = new Set([...Object.keys(was), ...Object.keys(is)]);
    return [...keys].every((key) => (was as Record<string, unknown>)[key] === (is as Record<string, unknown>)[key]);
  });
}

/**
 * Validates the open document after every change (debounced) and keeps the
 * variant marks current. Returns the function that stops watching.
 */
export function watchProblems(api: ValidateApi, debounceMs = VALIDATE_DEBOUNCE_MS): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inflight: AbortController | undefined;
  let template: { id: string; version: number | undefined; doc: GraphDocument | undefined } | undefined;
  let templateLoading: AbortController | undefined;
  let stopped = false;

  const validate = async (): Promise<void> => {
    inflight?.abort();
    const controller = new AbortController();
    inflight = controller;
    const doc = useGraphStore.getState().doc;
    if (doc.nodes.length === 0) {
      useProblemStore.setState({ byNode: {}, graph: [], byEdge: {}, checked: doc, status: 'ready', error: undefined });
      return;
    }
    useProblemStore.setState({ status: 'checking' });
    try {
      const answer = await api.validateGraph(doc, controller.signal);
      if (controller.signal.aborted || stopped) return;
      // The document may have changed while the server answered: the next round is already scheduled then
      // (a move schedules none, and leaves this answer true).
      if (!onlyPositionsChanged(doc, useGraphStore.getState().doc)) return;
      const before = useProblemStore.getState();
      const grouped = groupProblems(doc, answer, before.byNode);
      // The same edge problems keep their object: the canvas re-derives its edges only when they change.
      const byEdge = sameRecord(before.byEdge, grouped.byEdge) ? before.byEdge : grouped.byEdge;
      useProblemStore.setState({ ...grouped, byEdge, checked: doc, status: 'ready', error: undefined });
    } catch (error) {
      if (controller.signal.aborted || stopped) return;
      // Markers of the last answer stay: a failed check is not a fixed graph.
      useProblemStore.setState({ status: 'error', error: error instanceof Error ? error.message : String(error) });
    }
  };

  const markOverrides = (): void => {
    const { doc } = useGraphStore.getState();
    const base = template?.doc;
    const previous = useProblemStore.getState().overrides;
    const next = base ? overrideMarks(base, doc, previous) : {};
    const same = Object.keys(next).length === Object.keys(previous).length && Object.entries(next).every(([id, mark]) => previous[id] === mark);
    if (!same) useProblemStore.setState({ overrides: next });
  };

  /** The open stored graph changed: is it a variant? Then read its template (resolved) to compare against. */
  const loadTemplate = (): void => {
    const { id, version } = useGraphStore.getState().meta;
    if (template && template.id === id && template.version === version) return;
    templateLoading?.abort();
    template = id ? { id, version, doc: undefined } : undefined;
    markOverrides();
    if (!id) return;
    const controller = new AbortController();
    templateLoading = controller;
    void (async () => {
      try {
        // Through the query cache: the Graph panel reads the same version, diff and template (api/queries.ts).
        const stored = await fetchGraph(api, id, version);
        if (controller.signal.aborted || !isVariant(stored.doc)) return;
        // The diff names the template version the variant was resolved against.
        const diff = await fetchVariantDiff(api, id, version);
        const base = await fetchGraph(api, diff.extends, diff.templateVersion);
        const doc = base.resolved ?? (isVariant(base.doc) ? undefined : base.doc);
        if (controller.signal.aborted || !template || template.id !== id) return;
        template = { id, version, doc };
        markOverrides();
      } catch {
        // No marks when the variant or its template cannot be read; the Graph panel says why.
      }
    })();
  };

  // A position-only change still re-marks overrides (a variant may override positions) but is not re-validated.
  let validationDue = false;
  const schedule = (revalidate: boolean): void => {
    validationDue ||= revalidate;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      // After the quiet time too: a graph just opened is drawn before its variant's template is asked for.
      loadTemplate();
      markOverrides();
      if (validationDue) {
        validationDue = false;
        void validate();
      }
    }, debounceMs);
  };

  schedule(true);
  const unsubscribe = useGraphStore.subscribe((state, before) => {
    const reopened = state.meta.id !== before.meta.id || state.meta.version !== before.meta.version;
    if (reopened || state.doc !== before.doc) schedule(reopened || !onlyPositionsChanged(before.doc, state.doc));
  });
  return () => {
    stopped = true;
    unsubscribe();
    if (timer) clearTimeout(timer);
    inflight?.abort();
    templateLoading?.abort();
  };
}

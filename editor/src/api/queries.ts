/**
 * What the editor reads from the server and keeps (TanStack Query): the
 * stored graphs, a graph's versions, one stored version, a variant's diff, a
 * graph's webhook, a graph's item pins. One cache per API client (`queryClientFor`), provided at
 * the root by `<ApiProvider>` and used outside React too (the problem store
 * reads a variant's template through `fetchGraph`), so a graph opened from
 * the Graph panel is fetched once, not once per reader.
 *
 * What changes them: the panels' own actions invalidate (`graphsChanged`,
 * `refreshGraphs`), and `followOpenGraph` invalidates the list and the open
 * graph's history whenever another stored graph or version opens (a save
 * from the toolbar, a template, an import), as the panel did when it
 * refetched on every change.
 */
import { keepPreviousData, QueryClient, useQuery } from '@tanstack/react-query';
import { useGraphStore } from '../state/graph-store.js';
import type { ApiClient, EstimateRequest, GraphDiff, ItemPin, ReviewRecord, RunReviews, StoredGraph, WebhookInfo } from './client.js';

export const graphKeys = {
  all: ['graphs'] as const,
  list: () => ['graphs', 'list'] as const,
  /** One stored version; `null` is "the latest", which moves with every save. */
  detail: (id: string, version?: number) => ['graphs', 'detail', id, version ?? null] as const,
  history: (id: string) => ['graphs', 'history', id] as const,
  diff: (id: string, version?: number) => ['graphs', 'diff', id, version ?? null] as const,
};

/** A graph's item pins (locked and regenerated items): server state, changed by the Run panel's item controls. */
export const pinKeys = {
  all: ['pins'] as const,
  forGraph: (graphId: string) => ['pins', graphId] as const,
};

/** A run's review gates (storyboards and decisions): read again on every review event of the followed run (run-store.ts). */
export const reviewKeys = {
  all: ['reviews'] as const,
  forRun: (runId: string) => ['reviews', runId] as const,
  estimate: (runId: string) => ['reviews', runId, 'estimate'] as const,
};

export const webhookKeys = {
  all: ['webhooks'] as const,
  forGraph: (graphId: string) => ['webhooks', graphId] as const,
};

/** Estimates, by the request they price (the graph or its id and version, the inputs, noCache). */
export const estimateKeys = {
  all: ['estimate'] as const,
  of: (request: EstimateRequest) => ['estimate', request] as const,
};

/** How long an answer is used without asking again (mounting a panel, reopening a graph); changes invalidate sooner. */
const STALE_MS = 30_000;

function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: STALE_MS,
        // The server is the editor's own: an error (a 404, a refused token) is shown at once, never retried behind the user's back.
        retry: false,
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
        // A local server answers whatever the browser thinks of its network.
        networkMode: 'always',
      },
      mutations: { retry: false, networkMode: 'always' },
    },
  });
}

const clients = new WeakMap<object, QueryClient>();

/** The query cache of API client `api` (one each: a test's fake client never sees another's answers). */
export function queryClientFor(api: object): QueryClient {
  let client = clients.get(api);
  if (!client) {
    client = createQueryClient();
    clients.set(api, client);
  }
  return client;
}

/** The refresh link: everything shown about stored graphs is read again. */
export function refreshGraphs(client: QueryClient): Promise<void> {
  // A read already under way is kept rather than asked twice.
  return client.invalidateQueries({ queryKey: graphKeys.all }, { cancelRefetch: false });
}

/**
 * The panel stored something (a save, restore, clone, delete): the list is
 * read again, and every other answer about stored graphs is asked for anew
 * when next shown (a template's variants resolve differently now). What is on
 * screen is not refetched: the graph that opens instead brings its own reads,
 * and one just deleted is not asked for again.
 */
export function graphsChanged(client: QueryClient): void {
  void client.invalidateQueries({ queryKey: graphKeys.all, refetchType: 'none' });
  void client.invalidateQueries({ queryKey: graphKeys.list() }, { cancelRefetch: false });
}

/** Stored graph `id` is gone, and its webhook and item pins with it. */
export function graphDeleted(client: QueryClient, id: string): void {
  graphsChanged(client);
  client.removeQueries({ queryKey: webhookKeys.forGraph(id) });
  client.removeQueries({ queryKey: pinKeys.forGraph(id) });
}

/** Another stored graph or version opened: the list and that graph's history may have changed with it. */
export function followOpenGraph(client: QueryClient): () => void {
  return useGraphStore.subscribe((state, before) => {
    const { id, version } = state.meta;
    if (id === before.meta.id && version === before.meta.version) return;
    void client.invalidateQueries({ queryKey: graphKeys.list() }, { cancelRefetch: false });
    if (id) void client.invalidateQueries({ queryKey: graphKeys.history(id) }, { cancelRefetch: false });
  });
}

/** Keeps a stored version someone already read, so its other readers (the panel, the problem store) need not ask. */
export function rememberGraph(client: QueryClient, stored: StoredGraph): void {
  client.setQueryData(graphKeys.detail(stored.id, stored.version), stored);
}

/**
 * Stored graph `id`: version `version` from the cache when it is there, the
 * latest always from the server (and then kept under its version number).
 */
export async function fetchGraph(api: Pick<ApiClient, 'getGraph'>, id: string, version?: number): Promise<StoredGraph> {
  const client = queryClientFor(api);
  if (version !== undefined) return client.fetchQuery({ queryKey: graphKeys.detail(id, version), queryFn: () => api.getGraph(id, version) });
  const stored = await api.getGraph(id);
  rememberGraph(client, stored);
  return stored;
}

/** A series variant's overrides and the template version it resolves against. */
export function fetchVariantDiff(api: Pick<ApiClient, 'graphDiff'>, id: string, version?: number): Promise<GraphDiff> {
  return queryClientFor(api).fetchQuery({ queryKey: graphKeys.diff(id, version), queryFn: () => api.graphDiff(id, version) });
}

export function useGraphList(api: ApiClient) {
  return useQuery({ queryKey: graphKeys.list(), queryFn: ({ signal }) => api.listGraphs(signal) });
}

/** Newest first. */
export function useGraphHistory(api: ApiClient, id: string | undefined) {
  return useQuery({ queryKey: graphKeys.history(id ?? ''), queryFn: () => api.graphHistory(id ?? ''), enabled: id !== undefined });
}

export function useStoredGraph(api: ApiClient, id: string | undefined, version?: number) {
  return useQuery({ queryKey: graphKeys.detail(id ?? '', version), queryFn: () => api.getGraph(id ?? '', version), enabled: id !== undefined });
}

export function useVariantDiff(api: ApiClient, id: string, version?: number) {
  return useQuery({ queryKey: graphKeys.diff(id, version), queryFn: () => api.graphDiff(id, version) });
}

/** Stored graph `graphId`'s item pins; nothing is asked for a graph without an id (it has no pins). */
export function useItemPins<T = ItemPin[]>(api: ApiClient, graphId: string | undefined, select?: (pins: ItemPin[]) => T) {
  return useQuery<ItemPin[], Error, T>({
    queryKey: pinKeys.forGraph(graphId ?? ''),
    queryFn: ({ signal }) => api.itemPins(graphId ?? '', signal),
    enabled: graphId !== undefined,
    ...(select ? { select } : {}),
  });
}

/** A pin changed: the graph's pins are read again (the Run panel's rows and the cards' badges follow). */
export function pinsChanged(client: QueryClient, graphId: string): Promise<void> {
  return client.invalidateQueries({ queryKey: pinKeys.forGraph(graphId) });
}

/** The graph's webhook; `null` when it has none (a query's answer cannot be undefined). */
export function useWebhook(api: ApiClient, graphId: string, enabled: boolean) {
  return useQuery<WebhookInfo | null>({ queryKey: webhookKeys.forGraph(graphId), queryFn: async () => (await api.getWebhook(graphId)) ?? null, enabled });
}

/**
 * The estimate of a run (`undefined`: none asked for). While the next
 * request is priced the last answer stays on screen (`isPlaceholderData`),
 * so the figures do not blink at every keystroke (only for the same graph). A run that ends changes
 * what is cached: `estimateKeys.all` is invalidated then (the Run panel).
 */
/** Which graph an estimate is of: its stored id, or the inline document's id (undefined for a document never saved). */
const graphOf = (request: EstimateRequest | undefined): string | undefined => request?.graphId ?? request?.graph?.id;

export function useEstimate(api: ApiClient, request: EstimateRequest | undefined) {
  return useQuery({
    queryKey: estimateKeys.of(request ?? { graphId: '' }),
    queryFn: ({ signal }) => api.estimate(request as EstimateRequest, signal),
    enabled: request !== undefined,
    // Another graph's figures are not shown while this one's are asked.
    placeholderData: (previous, previousQuery) => (previousQuery && graphOf(previousQuery.queryKey[1]) === graphOf(request) ? keepPreviousData(previous) : undefined),
    // What is cached changes with every run, including runs started elsewhere: an answer is asked again when shown again.
    staleTime: 0,
  });
}

/** The run's review gates; `enabled` while something shows them (a waiting run, the storyboard). */
export function useRunReviews(api: ApiClient, runId: string | undefined, enabled = true) {
  // Always current: a decision elsewhere (the CLI, another tab) must not be hidden by an old answer.
  return useQuery({ queryKey: reviewKeys.forRun(runId ?? ''), queryFn: ({ signal }) => api.runReviews(runId ?? '', signal), enabled: enabled && runId !== undefined, staleTime: 0 });
}

/**
 * What approving a waiting gate would cost (the rest of the run, priced by
 * the server without calling a paid provider). Asked once per open
 * storyboard: pricing runs the cheap upstream nodes, which are cached by now.
 */
export function useReviewEstimate(api: ApiClient, runId: string | undefined, enabled: boolean) {
  return useQuery({
    queryKey: reviewKeys.estimate(runId ?? ''),
    queryFn: async ({ signal }) => (await api.runReviewsEstimate(runId ?? '', signal)).estimate,
    enabled: enabled && runId !== undefined,
    staleTime: 60_000,
  });
}

/** A decision was taken here: the answer replaces its gate's record at once, before the refetch. */
export function reviewDecided(client: QueryClient, record: ReviewRecord): void {
  client.setQueryData<RunReviews>(reviewKeys.forRun(record.runId), (previous) =>
    previous ? { ...previous, reviews: previous.reviews.map((review) => (review.nodeId === record.nodeId ? record : review)) } : previous,
  );
  void client.invalidateQueries({ queryKey: reviewKeys.forRun(record.runId) });
}

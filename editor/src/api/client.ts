/**
 * The editor's client for the reelgraph server (see server/README.md and
 * GET /api/openapi.json). Every /api call carries the API token; the token
 * arrives once in the URL (`/?token=…`, as `reelgraph server` prints it), is
 * kept in localStorage and removed from the address bar.
 *
 * Errors are `ApiError`s with the server's code, message and problems, so a
 * panel can show exactly which field or node was wrong.
 */
import type { AnyGraphDocument, ArtifactHandle, GraphDocument, NodeDescription, ReviewDecisionRequest, ReviewRecord, RunDeliverables, TemplateCatalog } from '../../../runtime/contract/index.js';
import { MAX_RUN_WAIT_MS, type EstimateRequest, type ImportedDocument, type ItemPinRequest, type RunListQuery, type StartRunRequest } from '../../../runtime/contract/api-requests.js';
import type { RunEstimate } from '../../../runtime/contract/estimate.js';
import type { ItemPin } from '../../../runtime/contract/item-pins.js';
import type { RequestProblem } from '../../../runtime/contract/errors.js';
import type {
  CredentialInfo,
  GraphDiff,
  GraphInputsDraft,
  GraphSummary,
  GraphValidation,
  GraphVersionInfo,
  RunDetail,
  RunLogRow,
  RunRow,
  RunTrigger,
  StoredGraphWithResolved,
  WebhookInfo,
} from '../../../runtime/contract/records.js';
import type { EpisodeTemplateText } from '../../../runtime/contract/templates.js';
import type { EpisodeRecord, SeriesRecord } from '../../../runtime/contract/series.js';

const TOKEN_KEY = 'reelgraph.token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Reads `?token=` once (then hides it from the address bar), else the stored token. */
export function initialToken(): string | undefined {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    localStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(null, '', url.toString());
    return fromUrl;
  }
  return localStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function storeToken(token: string | undefined): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

export type { GraphSummary, GraphVersionInfo };

/** A stored graph version as the API answers it: a variant also carries its resolved graph. */
export type StoredGraph = StoredGraphWithResolved;
/** One thing wrong with a request, as an ApiError carries it. */
export type Problem = RequestProblem;
export type ValidationResult = GraphValidation;
export type { CredentialInfo, EpisodeTemplateText, GraphDiff, GraphInputsDraft, WebhookInfo };

export type { EstimateRequest, ItemPin, ItemPinRequest, RunEstimate, RunListQuery, StartRunRequest };

const itemPinPath = (graphId: string, nodeId: string, index: number): string => `/api/graphs/${encodeURIComponent(graphId)}/pins/${encodeURIComponent(nodeId)}/${index}`;

export class ApiClient {
  /** Called when the server answers 401 (no token, or a revoked one): the shell shows the login screen. */
  onUnauthorized: ((error: ApiError) => void) | undefined;

  constructor(
    private token: string | undefined,
    private readonly base = '',
  ) {}

  /** Where the server is ('' = this page's origin): socket.io connects there. */
  get baseUrl(): string {
    return this.base;
  }

  get hasToken(): boolean {
    return this.token !== undefined;
  }

  /** For socket.io's handshake. */
  get authToken(): string | undefined {
    return this.token;
  }

  setToken(token: string | undefined): void {
    this.token = token;
    storeToken(token);
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          accept: 'application/json',
          // Runs started from here are recorded with trigger "editor".
          'x-reelgraph-client': 'editor',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: signal ?? null,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError(0, 'UNREACHABLE', 'the reelgraph server could not be reached');
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ApiError(response.status, 'NOT_JSON', `${method} ${path} answered ${response.status} without JSON`);
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string; problems?: Problem[] } } | undefined)?.error;
      const apiError = new ApiError(response.status, error?.code ?? `HTTP_${response.status}`, error?.message ?? `${method} ${path} answered ${response.status}`, error?.problems ?? []);
      if (response.status === 401) this.onUnauthorized?.(apiError);
      throw apiError;
    }
    return parsed as T;
  }

  nodes(signal?: AbortSignal): Promise<NodeDescription[]> {
    return this.request('GET', '/api/nodes', undefined, signal);
  }

  nodeType(type: string, version?: number): Promise<NodeDescription> {
    return this.request('GET', `/api/nodes/${encodeURIComponent(type)}${version !== undefined ? `?version=${version}` : ''}`);
  }

  listGraphs(signal?: AbortSignal): Promise<GraphSummary[]> {
    return this.request('GET', '/api/graphs', undefined, signal);
  }

  getGraph(id: string, version?: number): Promise<StoredGraph> {
    return this.request('GET', `/api/graphs/${encodeURIComponent(id)}${version !== undefined ? `?version=${version}` : ''}`);
  }

  /**
   * `POST /api/graphs`: version 1; without `id` the server derives one from the name (409 when it exists).
   * `adoptRuns`: runs started from the unsaved document that become runs of the new graph.
   */
  createGraph(doc: AnyGraphDocument, message?: string, id?: string, adoptRuns?: string[]): Promise<StoredGraph> {
    return this.request('POST', '/api/graphs', {
      document: doc,
      ...(id ? { id } : {}),
      ...(message ? { message } : {}),
      ...(adoptRuns && adoptRuns.length > 0 ? { adoptRuns } : {}),
    });
  }

  /**
   * `POST /api/graphs/import`: stores several documents at once (same order);
   * a variant's `extends: "./episode.json"` resolves to a document of that
   * file name in the same request, a stored graph, or the shipped template.
   */
  importGraphs(documents: ImportedDocument[], message?: string): Promise<{ graphs: StoredGraph[] }> {
    return this.request('POST', '/api/graphs/import', { documents, ...(message ? { message } : {}) });
  }

  /** The graph's run inputs draft; `{ inputs: {} }` when none was saved. */
  graphInputs(id: string, signal?: AbortSignal): Promise<GraphInputsDraft> {
    return this.request('GET', `/api/graphs/${encodeURIComponent(id)}/inputs`, undefined, signal);
  }

  saveGraphInputs(id: string, inputs: Record<string, unknown>): Promise<{ inputs: Record<string, unknown>; updatedAt: number }> {
    return this.request('PUT', `/api/graphs/${encodeURIComponent(id)}/inputs`, { inputs });
  }

  /** The shipped graphs and example episodes. */
  templates(signal?: AbortSignal): Promise<TemplateCatalog> {
    return this.request('GET', '/api/templates', undefined, signal);
  }

  episodeTemplate(name: string): Promise<EpisodeTemplateText> {
    return this.request('GET', `/api/templates/episodes/${encodeURIComponent(name)}`);
  }

  /** Stores a shipped graph (a variant brings its base along) and answers the stored graph to open. */
  installTemplate(name: string): Promise<StoredGraph> {
    return this.request('POST', `/api/templates/graphs/${encodeURIComponent(name)}/install`, {});
  }

  /** `PUT /api/graphs/:id`: a new version. */
  saveGraph(id: string, doc: AnyGraphDocument, message?: string): Promise<StoredGraph> {
    return this.request('PUT', `/api/graphs/${encodeURIComponent(id)}`, { document: doc, ...(message ? { message } : {}) });
  }

  deleteGraph(id: string): Promise<void> {
    return this.request('DELETE', `/api/graphs/${encodeURIComponent(id)}`);
  }

  /** Newest first. */
  graphHistory(id: string): Promise<GraphVersionInfo[]> {
    return this.request('GET', `/api/graphs/${encodeURIComponent(id)}/versions`);
  }

  restoreGraph(id: string, version: number, message?: string): Promise<StoredGraph> {
    return this.request('POST', `/api/graphs/${encodeURIComponent(id)}/versions/${version}/restore`, message ? { message } : {});
  }

  /** A series variant that extends `id`. */
  cloneGraph(id: string, name: string, newId?: string, description?: string): Promise<StoredGraph> {
    return this.request('POST', `/api/graphs/${encodeURIComponent(id)}/clone`, { name, ...(newId ? { id: newId } : {}), ...(description ? { description } : {}) });
  }

  graphDiff(id: string, version?: number): Promise<GraphDiff> {
    return this.request('GET', `/api/graphs/${encodeURIComponent(id)}/diff${version !== undefined ? `?version=${version}` : ''}`);
  }

  validateGraph(doc: AnyGraphDocument, signal?: AbortSignal): Promise<ValidationResult> {
    return this.request('POST', '/api/graphs/validate', { document: doc }, signal);
  }

  createWebhook(graphId: string, callbackUrl?: string): Promise<WebhookInfo> {
    return this.request('POST', `/api/graphs/${encodeURIComponent(graphId)}/webhook`, callbackUrl ? { callbackUrl } : {});
  }

  /** The graph's webhook, or undefined when it has none (asked as a list, so "none" is not an error response). */
  async getWebhook(graphId: string): Promise<WebhookInfo | undefined> {
    const hooks = await this.request<WebhookInfo[]>('GET', `/api/webhooks?graphId=${encodeURIComponent(graphId)}`);
    return hooks[0];
  }

  deleteWebhook(graphId: string): Promise<void> {
    return this.request('DELETE', `/api/graphs/${encodeURIComponent(graphId)}/webhook`);
  }

  /** 202: the run is accepted; `inputs` are the inputs it runs with (defaults applied). */
  startRun(request: StartRunRequest): Promise<{ runId: string; inputs?: Record<string, unknown> }> {
    return this.request('POST', '/api/runs', request);
  }

  /** `POST /api/estimate`: what the run would cost, per paid node; free (no paid provider is called, nothing is recorded as a run). */
  estimate(request: EstimateRequest, signal?: AbortSignal): Promise<RunEstimate> {
    return this.request('POST', '/api/estimate', request, signal);
  }

  listRuns(query: RunListQuery = {}, signal?: AbortSignal): Promise<RunRow[]> {
    const params = new URLSearchParams();
    if (query.graphId) params.set('graphId', query.graphId);
    for (const status of query.status ?? []) params.append('status', status);
    if (query.trigger) params.set('trigger', query.trigger);
    if (query.limit) params.set('limit', String(query.limit));
    const qs = params.toString();
    return this.request('GET', `/api/runs${qs ? `?${qs}` : ''}`, undefined, signal);
  }

  /** With `waitMs` the server answers when the run ends or after that long (at most 60 s). */
  getRun(id: string, waitMs?: number, signal?: AbortSignal): Promise<RunDetail> {
    return this.request('GET', `/api/runs/${encodeURIComponent(id)}${waitMs ? `?wait=${Math.min(MAX_RUN_WAIT_MS, Math.round(waitMs))}` : ''}`, undefined, signal);
  }

  /**
   * The run's deliverables (final video first); their URLs are signed and
   * relative to the server, so they work in `<a href download>` and `<video src>`.
   */
  async runDeliverables(runId: string, signal?: AbortSignal): Promise<RunDeliverables> {
    const answer = await this.request<RunDeliverables>('GET', `/api/runs/${encodeURIComponent(runId)}/deliverables`, undefined, signal);
    const absolute = (url: string): string => `${this.base}${url}`;
    return {
      ...answer,
      deliverables: answer.deliverables.map((deliverable) => ({ ...deliverable, downloadUrl: absolute(deliverable.downloadUrl), inlineUrl: absolute(deliverable.inlineUrl) })),
      ...(answer.packageUrl ? { packageUrl: absolute(answer.packageUrl) } : {}),
    };
  }

  cancelRun(id: string): Promise<{ runId: string; cancelled: boolean }> {
    return this.request('POST', `/api/runs/${encodeURIComponent(id)}/cancel`, {});
  }

  /** The run's review gates (storyboards and decisions), in the order they opened. */
  runReviews(runId: string, signal?: AbortSignal): Promise<RunReviews> {
    return this.request('GET', `/api/runs/${encodeURIComponent(runId)}/review`, undefined, signal);
  }

  /** The run's review gates with what approving would cost (`?estimate=true`: the rest of the run priced, free). */
  runReviewsEstimate(runId: string, signal?: AbortSignal): Promise<RunReviews> {
    return this.request('GET', `/api/runs/${encodeURIComponent(runId)}/review?estimate=true`, undefined, signal);
  }

  /** Decides a waiting review gate (409 when none waits: decided already, or the run moved on). */
  decideReview(runId: string, decision: ReviewDecisionRequest): Promise<ReviewRecord> {
    return this.request('POST', `/api/runs/${encodeURIComponent(runId)}/review`, decision);
  }

  /** A page of logs, oldest first; continue with `afterId: nextAfterId`. */
  runLogs(id: string, page: { afterId?: number; limit?: number } = {}, signal?: AbortSignal): Promise<{ logs: RunLogRow[]; nextAfterId: number }> {
    return this.request('GET', `/api/runs/${encodeURIComponent(id)}/logs?afterId=${page.afterId ?? 0}&limit=${page.limit ?? 200}`, undefined, signal);
  }

  artifactMeta(hash: string): Promise<ArtifactHandle> {
    return this.request('GET', `/api/artifacts/${encodeURIComponent(hash)}/meta`);
  }

  /** A signed, short-lived URL for media elements (`<audio src>`, `<video src>`), which cannot send the token. */
  async artifactLink(hash: string, ttlSeconds?: number): Promise<{ url: string; expiresAt: number }> {
    const link = await this.request<{ url: string; expiresAt: number }>('GET', `/api/artifacts/${encodeURIComponent(hash)}/link${ttlSeconds ? `?ttl=${ttlSeconds}` : ''}`);
    return { ...link, url: `${this.base}${link.url}` };
  }

  /** The graph's locked and regenerated items (items not listed are unlocked at take 0). */
  itemPins(graphId: string, signal?: AbortSignal): Promise<ItemPin[]> {
    return this.request('GET', `/api/graphs/${encodeURIComponent(graphId)}/pins`, undefined, signal);
  }

  /** `PUT …/pins/:node/:item`: lock, unlock or set the take (an undo sends the earlier pin's state); answers the pin after it. */
  setItemPin(graphId: string, nodeId: string, index: number, change: ItemPinRequest): Promise<ItemPin> {
    return this.request('PUT', `${itemPinPath(graphId, nodeId, index)}`, change);
  }

  /** The item's next take, made by the next run; starts no run and spends nothing. */
  regenerateItem(graphId: string, nodeId: string, index: number): Promise<ItemPin> {
    return this.request('POST', `${itemPinPath(graphId, nodeId, index)}/regenerate`, {});
  }

  credentials(): Promise<CredentialInfo[]> {
    return this.request('GET', '/api/credentials');
  }

  putCredential(name: string, fields: Record<string, string>): Promise<CredentialInfo> {
    return this.request('PUT', `/api/credentials/${encodeURIComponent(name)}`, { fields });
  }

  deleteCredential(name: string): Promise<void> {
    return this.request('DELETE', `/api/credentials/${encodeURIComponent(name)}`);
  }

  listSeries(signal?: AbortSignal): Promise<SeriesRecord[]> {
    return this.request('GET', '/api/series', undefined, signal);
  }

  /** A series and its episodes in order, each with its status and last render. */
  getSeries(id: string, signal?: AbortSignal): Promise<SeriesBoard> {
    return this.request('GET', `/api/series/${encodeURIComponent(id)}`, undefined, signal);
  }

  /** One episode with its latest script and its runs, newest first. */
  getEpisode(seriesId: string, number: number, signal?: AbortSignal): Promise<EpisodeDetail> {
    return this.request('GET', `/api/series/${encodeURIComponent(seriesId)}/episodes/${number}`, undefined, signal);
  }

  /** Starts a run per episode (all, the numbers given, or the failed ones). */
  renderSeries(seriesId: string, request: SeriesRenderRequest = {}): Promise<SeriesRenderAnswer> {
    return this.request('POST', `/api/series/${encodeURIComponent(seriesId)}/render`, request);
  }

  /** A signed link to the season's archive (one zip of every rendered episode), for `<a href download>`. */
  async seriesPackageLink(seriesId: string, signal?: AbortSignal): Promise<{ name: string; url: string }> {
    const link = await this.request<{ name: string; url: string }>('GET', `/api/series/${encodeURIComponent(seriesId)}/package/link`, undefined, signal);
    return { ...link, url: `${this.base}${link.url}` };
  }
}

export type { EpisodeRecord, SeriesRecord };
/** GET /api/series/:id. */
export type SeriesBoard = SeriesRecord & { episodes: EpisodeRecord[] };
/** GET /api/series/:id/episodes/:number. */
export type EpisodeDetail = EpisodeRecord & { script: string; runs: Array<{ runId: string; scriptVersion: number; createdAt: number }> };
/** POST /api/series/:id/render. */
export interface SeriesRenderRequest {
  episodes?: number[] | string;
  failedOnly?: boolean;
  profile?: string;
}
export interface SeriesRenderAnswer {
  seriesId: string;
  runs: Array<{ number: number; title: string; runId: string }>;
  notStarted: Array<{ number: number; title: string; error: string }>;
  /** Why no episode was chosen, when none was (none failed, no episodes yet). */
  nothingToRender?: string;
}

/** GET /api/runs/:id/review: the run's status and its gates (and, asked with `?estimate=true`, what approving would cost). */
export interface RunReviews {
  runId: string;
  status: string;
  reviews: ReviewRecord[];
  estimate?: RunEstimate;
}

export type { GraphDocument, ReviewDecisionRequest, ReviewRecord, RunDeliverables, TemplateCatalog };
export type { Deliverable, DeliverableKind, EpisodeTemplate, GraphTemplate } from '../../../runtime/contract/index.js';
export type { ArtifactHandle, RunDetail, RunLogRow, RunRow, RunTrigger };

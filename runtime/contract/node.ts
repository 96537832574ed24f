/**
 * The node SDK: what a node type is. One file per node type exports a
 * `NodeType`: a plain, JSON-serialisable description (the editor's palette,
 * forms and handles are generated from it) plus `execute`.
 */
import type { ArtifactStore } from './artifacts.js';
import type { JsonSchema, PortSpec } from './ports.js';
import type { Static, TObject } from './typebox.js';
import type { RateLimiter } from './rate-limit.js';
import type { RunProvenance } from './provenance.js';

export const nodeCategories = ['input', 'script', 'voice', 'scene', 'overlay', 'audio', 'assembly', 'export', 'control', 'utility', 'test'] as const;
export type NodeCategory = (typeof nodeCategories)[number];

/**
 * Work is scheduled per resource class, each with its own concurrency limit.
 * `light` is bookkeeping that takes milliseconds (casting, pacing, planning,
 * picking a fallback, laying out the timeline): it must not queue behind
 * drawing in `cpu`, where it sat on the critical path waiting for a terminal
 * overlay to finish (9 s of a 128 s cold render).
 */
export const resourceClasses = ['cpu', 'io', 'voice', 'video', 'assembly', 'light'] as const;
export type ResourceClass = (typeof resourceClasses)[number];

/** How long a node waits at most before a retry unless its settings say otherwise (see `RetryPolicy.maxRetryDelayMs`). */
export const DEFAULT_MAX_RETRY_DELAY_MS = 60_000;

export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  /** Base delay of the exponential backoff. */
  backoffMs: number;
  maxBackoffMs: number;
  /**
   * The longest wait before a retry this node accepts. A provider that asks
   * for more (a 429 with `Retry-After: 3600`) fails the item at once, as a
   * transient failure, so a `control.fallback` moves on to the next provider
   * instead of the run sleeping for an hour.
   * @defaultValue 60000
   */
  maxRetryDelayMs?: number;
}

/** A credential a node may ask for, and where the embedded runtime finds it in the environment. */
export interface CredentialSpec {
  name: string;
  title: string;
  /** field → environment variable holding it, e.g. `{ apiKey: 'ELEVENLABS_API_KEY' }`. */
  env: Record<string, string>;
  optional?: boolean;
}

export interface NodeDescription {
  /** Dotted id, family first: `voice.tts`, `control.fallback`. */
  type: string;
  version: number;
  title: string;
  category: NodeCategory;
  description: string;
  inputs: PortSpec[];
  outputs: PortSpec[];
  /** JSON Schema of an object; `default`s are applied before execute. */
  params: JsonSchema;
  resource: ResourceClass;
  /** Results may be reused when type, version, params and inputs are unchanged. */
  cacheable: boolean;
  /**
   * Name of a list input this node maps over: `execute` then runs once per
   * element (an item), each item cached, retried and reported on its own, and
   * every output port collects the items' values in order.
   */
  mapOver?: string;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  credentials?: CredentialSpec[];
  /**
   * Semantics the runtime implements itself instead of calling execute eagerly.
   * `review`: a gate the run waits at until a person decides (or its timeout
   * does); the coordinator holds it, never a worker (see runtime/engine/review-gate.ts).
   */
  control?: 'fallback' | 'review';
  /**
   * Bills a provider per request: the node type prices its usage
   * (`estimateUsage`), so estimates and budgets count it. Set by
   * `describeNode`; the editor's estimate button says a graph without one costs nothing.
   */
  paid?: boolean;
  /**
   * Its units are handed the resolved graph the run executes (as a JSON
   * artifact, `NodeContext.run.graph.document`): an export that ships the
   * recipe. A run keeps its graph in the artifact store only when one of its
   * nodes asks for it.
   */
  usesRunGraph?: boolean;
  /** Editor hints. */
  icon?: string;
  tags?: string[];
}

export interface NodeLogger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

export interface CredentialsLookup {
  /** The fields of a named credential, or undefined when none is configured. */
  get(name: string): Promise<Record<string, string> | undefined>;
}

export interface ItemInfo {
  index: number;
  /** Content hash of the item's value: stable when other items are inserted or removed. */
  key: string;
  count: number;
  /**
   * Which generation of this item the producer asked for (see item-pins.ts):
   * absent for the first, N after N regenerations. A seeded provider mixes
   * it into its seed (`takeSeed`) so each take is a new picture or reading.
   */
  take?: number;
}

export interface NodeContext<P = Record<string, unknown>> {
  runId: string;
  nodeId: string;
  /** Validated params with defaults applied. */
  params: P;
  /** Input values by port name. For a mapped node, the mapped port holds this item's value. */
  inputs: Record<string, unknown>;
  /**
   * Where an input's value came from when it was handed over as a file
   * (`reelgraph run -i episode=@ep.md`): the file name by input port, so a
   * node can point at `ep.md:12`. For messages only; never part of the cache key.
   */
  inputSources?: Record<string, string>;
  /** Set when the node maps over a list. */
  item?: ItemInfo;
  /** 1 for the first attempt. */
  attempt: number;
  artifacts: ArtifactStore;
  log: NodeLogger;
  /** Report progress of this node (or item) as a fraction 0..1. */
  progress(fraction: number, message?: string): void;
  /** Report billable provider usage (feeds cost estimates and metrics). */
  usage(usage: ProviderUsage): void;
  /**
   * Call before every paid request, with the usage it is expected to bill:
   * holds its cost against the run's budgets (run, graph per day, provider
   * per day) and rejects with a BudgetExceededError when one would be crossed;
   * the request must then not be sent. The usage reported afterwards replaces
   * the hold; a hold nothing reported is released when the unit ends.
   */
  reserve(usage: ProviderUsage): Promise<void>;
  /** Aborted on cancellation and timeout; pass it to every external call. */
  signal: AbortSignal;
  credentials: CredentialsLookup;
  /** Shared provider rate limits (per process now, across workers in queue mode). */
  rateLimiter: RateLimiter;
  /** Directory where export nodes write deliverables for this run. */
  outDir: string;
  /** A fresh scratch directory, removed after this execution. */
  tempDir(): Promise<string>;
  /**
   * Results of parts of this unit, kept across runs under keys the node
   * chooses (what each part's result depends on), so a unit whose own key
   * changed reuses the parts that did not: a scene an edit made longer keeps
   * the seconds it already had. Absent where the process keeps no cache.
   * A part's artifacts may have been removed since: check before use.
   */
  parts?: PartCache;
  /** The run this unit belongs to: graph, version and reelgraph (what a deliverable records as its recipe). */
  run?: RunProvenance;
}

export interface PartCache {
  get(key: unknown): Promise<NodeOutputs | undefined>;
  put(key: unknown, value: NodeOutputs): Promise<void>;
}

export interface ProviderUsage {
  provider: string;
  unit: string;
  quantity: number;
  model?: string;
}

export type NodeOutputs = Record<string, unknown>;

export interface NodeType<P = Record<string, unknown>> extends NodeDescription {
  execute(ctx: NodeContext<P>): Promise<NodeOutputs>;
  /** Extra cache-key identity beyond params (e.g. a provider's model version). */
  cacheIdentity?(params: P): string;
  /**
   * What a unit's result depends on, when that is less than all its inputs
   * and params: a voice depends on a segment's words and its speaker's
   * casting, not on where the segment sits or on other speakers' casting.
   * It must include every input and param that changes the result; without
   * it, all params and inputs count.
   */
  cacheKeyInputs?(inputs: Record<string, unknown>, params: P): unknown;
  /**
   * The deadline of one unit when it grows with the work (a scene's frames):
   * a fixed `timeoutMs` either cuts a 30-minute scene off or waits hours for a
   * hung 5-second one. Undefined falls back to `timeoutMs`; a node's
   * `settings.timeoutMs` in the graph overrides both.
   */
  unitTimeoutMs?(inputs: Record<string, unknown>, params: P): number | undefined;
  /**
   * The billable usage one unit would report, from its inputs and params
   * alone, calling nothing: what `reelgraph estimate` prices. A node that
   * reports usage declares it. Nodes with it are the paid ones an estimate
   * does not execute (cache hits aside).
   */
  estimateUsage?(inputs: Record<string, unknown>, params: P): ProviderUsage[];
}

/** A node type whose params are a TypeBox schema (nodeParams): `execute` gets the type it describes. */
export type TypedNodeType<S extends TObject> = Omit<NodeType<Static<S>>, 'params'> & { params: S };

/**
 * Identity helper that keeps `execute`'s params typed: inferred from params
 * written with `nodeParams` (one definition), or given as `P` beside a plain
 * JSON Schema.
 */
export function defineNode<S extends TObject>(node: TypedNodeType<S>): NodeType<Static<S>>;
export function defineNode<P = Record<string, unknown>>(node: NodeType<P>): NodeType<P>;
export function defineNode(node: NodeType | TypedNodeType<TObject>): NodeType {
  // A TypeBox schema is the plain JSON Schema it describes (its marker is a symbol key).
  return node as NodeType;
}

/** The plain-data part of a node type, as served to the editor and `reelgraph nodes --json`. */
export function describeNode(node: NodeDescription): NodeDescription {
  const { execute: _execute, cacheIdentity: _identity, cacheKeyInputs: _keyInputs, unitTimeoutMs: _unitTimeout, estimateUsage, paid: _paid, ...description } = node as NodeType;
  return { ...structuredClone(description), ...(typeof estimateUsage === 'function' ? { paid: true } : {}) };
}

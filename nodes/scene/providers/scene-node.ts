/**
 * What every generated-video scene node shares: ports, the common params, the
 * cache key, and one execution shape — wait for a provider slot, submit and
 * wait under a deadline (the provider's part), download, verify, conform to
 * exactly the scene's duration and the run's picture, store. A provider file
 * supplies only its wire format.
 */
import {
  defineNode,
  nodeParams,
  PermanentError,
  takeSeed,
  Type,
  whereToStoreCredential,
  type CredentialSpec,
  type CredentialsLookup,
  type NodeContext,
  type NodeType,
  type ProviderUsage,
  type Static,
} from '../../../runtime/contract/index.js';
import type { TObject, TProperties } from '../../../runtime/contract/typebox.js';
import type { VideoClipValue } from '../../video/clip.js';
import type { Extend, Fit } from '../../video/conform.js';
import { formatParams, resolveFormat, type FormatParams, type VideoFormat } from '../../video/profiles.js';
import { providerSeed } from '../seed.js';
import { Job } from './async-job.js';
import { deliverClip, downloadVideo, type VideoSource } from './download.js';
import { sceneRateLimits } from './rate-limits.js';
import { promptOf, type ScenePromptValue } from './request-shape.js';

/** The params every provider's scene node has after its own; the defaults are the provider's. */
function commonParams(defaults: { endpoint: string; pollIntervalMs: number }) {
  return {
    endpoint: Type.String({ format: 'uri', title: 'Endpoint', description: 'Base URL: a proxy, a self-hosted server or a test server.', default: defaults.endpoint }),
    pollIntervalMs: Type.Integer({
      title: 'Poll interval (ms)',
      description: 'First wait between status checks; it stretches to 4× while the task runs.',
      minimum: 1,
      maximum: 60_000,
      default: defaults.pollIntervalMs,
    }),
    timeoutSeconds: Type.Number({
      title: 'Timeout (s)',
      description: 'Deadline for submitting, waiting and downloading; past it the task is cancelled.',
      exclusiveMinimum: 0,
      maximum: 7200,
      default: 600,
    }),
    fit: Type.Unsafe<Fit>({ enum: ['cover', 'contain'], title: 'Fit', description: 'cover crops the provider’s picture to the run’s size; contain letterboxes it.', default: 'cover' }),
    extend: Type.Unsafe<Extend>({ enum: ['freeze', 'loop'], title: 'Extend', description: 'How a clip shorter than its scene is filled: hold the last frame, or loop.', default: 'freeze' }),
  };
}

export type SceneParams = FormatParams & Static<TObject<ReturnType<typeof commonParams>>>;

/** A provider's scene node params: its own (`P`, TypeBox properties) and the common ones. */
export type SceneParamsWith<P extends TProperties> = SceneParams & Static<TObject<P>>;

export interface GenerateRequest<P extends SceneParams> {
  prompt: ScenePromptValue;
  params: P;
  format: VideoFormat;
  seed: number;
  job: Job;
  credentials: CredentialsLookup;
  /** Reports billable usage (seconds of video asked for) once the provider has accepted the task. */
  usage(usage: ProviderUsage): void;
}

/** What a task's usage depends on, known before it is submitted. */
export type UsageRequest<P extends SceneParams> = Pick<GenerateRequest<P>, 'prompt' | 'params' | 'format' | 'seed'>;

export interface SceneNodeSpec<P extends TProperties> {
  type: string;
  title: string;
  description: string;
  /** Key of the rate limits, the `provider` of each clip, and the first word of every message. */
  provider: string;
  defaultEndpoint: string;
  defaultPollIntervalMs: number;
  /** Provider-specific params, listed before the common ones. */
  params: P;
  credentials: CredentialSpec[];
  /** Whether the provider receives the prompt's negative prompt; if not, editing it must not re-bill every scene. */
  negativePrompt: boolean;
  /** Model identity for the cache key. */
  identity(params: SceneParamsWith<P>): string;
  /**
   * The usage the task for this prompt bills (seconds of video at a model),
   * calling nothing: reserved against the budgets before submitting, and what
   * an estimate prices. `generate` reports the same once the task is accepted.
   */
  usage(request: UsageRequest<SceneParamsWith<P>>, label: string): ProviderUsage;
  /** Submits the task and waits for it (cancelling it if the job is aborted); resolves with where the video is. */
  generate(request: GenerateRequest<SceneParamsWith<P>>): Promise<VideoSource>;
}

/** Params that change how long the node waits, never what it makes. */
const WAITING_PARAMS = ['pollIntervalMs', 'timeoutSeconds'];
const FORMAT_PARAMS = Object.keys(formatParams);

export function defineSceneNode<P extends TProperties>(spec: SceneNodeSpec<P>): NodeType<SceneParamsWith<P>> {
  return defineNode<SceneParamsWith<P>>({
    type: spec.type,
    version: 1,
    title: spec.title,
    category: 'scene',
    description: spec.description,
    inputs: [{ name: 'prompts', type: 'ScenePrompt', list: true, title: 'Prompts', description: 'One per scene, usually from Scene prompts.' }],
    outputs: [{ name: 'clips', type: 'VideoClip', list: true, title: 'Clips', description: 'Exactly each scene’s duration, in the run’s size and frame rate.' }],
    params: nodeParams({ ...formatParams, ...spec.params, ...commonParams({ endpoint: spec.defaultEndpoint, pollIntervalMs: spec.defaultPollIntervalMs }) }),
    resource: 'video',
    cacheable: true,
    mapOver: 'prompts',
    // Submission failures only: once a task exists, its polls and download are retried inside the node.
    retry: { retries: 2, backoffMs: 5_000 },
    credentials: spec.credentials,
    cacheIdentity: (params) => spec.identity(params),
    // A clip is what was asked of the provider and how it was fitted: not where the scene sits, its title or mood, or how patiently we waited.
    cacheKeyInputs(inputs, params) {
      const options = Object.fromEntries(Object.entries(params).filter(([name]) => !WAITING_PARAMS.includes(name) && !FORMAT_PARAMS.includes(name)));
      const prompt = promptOf(inputs.prompts);
      const { negativePrompt: _unsent, ...sent } = prompt;
      return { prompt: spec.negativePrompt ? prompt : sent, format: resolveFormat(params), options };
    },
    estimateUsage(inputs, params) {
      const prompt = promptOf(inputs.prompts);
      return [spec.usage({ prompt, params, format: resolveFormat(params), seed: providerSeed(prompt) }, `${spec.provider}: scene "${prompt.sceneId}"`)];
    },
    execute: (ctx) => execute(spec, ctx),
  });
}

async function execute<P extends TProperties>(spec: SceneNodeSpec<P>, ctx: NodeContext<SceneParamsWith<P>>): Promise<{ clips: VideoClipValue }> {
  const prompt = promptOf(ctx.inputs.prompts);
  const label = `${spec.provider}: scene "${prompt.sceneId}"`;
  if (!prompt.prompt.trim()) throw new PermanentError(`${label}: the prompt is empty`, { location: { port: 'prompts' } });
  const format = resolveFormat(ctx.params);
  // A regenerated item (the producer's take N) asks the provider with a new seed: a new clip, not the cached one again.
  const seed = takeSeed(providerSeed(prompt), ctx.item?.take);

  const release = await ctx.rateLimiter.acquire({ key: spec.provider, limits: sceneRateLimits[spec.provider] ?? {}, units: 1, signal: ctx.signal });
  const job = new Job({ label, timeoutMs: ctx.params.timeoutSeconds * 1000, signal: ctx.signal, progress: ctx.progress, log: ctx.log });
  try {
    let source: VideoSource;
    try {
      // Before the task is submitted: a budget it would cross stops it here, unbilled.
      await ctx.reserve(spec.usage({ prompt, params: ctx.params, format, seed }, label));
      source = await spec.generate({ prompt, params: ctx.params, format, seed, job, credentials: ctx.credentials, usage: ctx.usage });
    } finally {
      release();
    }
    ctx.progress(0.9, 'downloading');
    const dir = await ctx.tempDir();
    const download = await downloadVideo(job, source, dir);
    ctx.progress(0.95, 'conforming');
    const clip = await deliverClip(ctx.artifacts, download, dir, { format, duration: prompt.duration, fit: ctx.params.fit, extend: ctx.params.extend, sceneId: prompt.sceneId, provider: spec.provider, signal: ctx.signal });
    return { clips: clip };
  } finally {
    job.dispose();
  }
}

/** A credential field, or a clear error naming the variable to set; optional credentials may be absent. */
export async function secretOf(credentials: CredentialsLookup, spec: CredentialSpec, field: string, label: string): Promise<string | undefined> {
  const value = (await credentials.get(spec.name))?.[field]?.trim();
  if (!value && !spec.optional) throw new PermanentError(`${label}: no API key configured; ${whereToStoreCredential(spec, field)}`);
  return value || undefined;
}

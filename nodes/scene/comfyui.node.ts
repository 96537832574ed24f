/**
 * ComfyUI (self-hosted): fills a text-to-video workflow (API format) with the
 * scene, queues it with `POST /prompt`, polls `GET /history/{prompt_id}`
 * (and `GET /queue` for progress), then fetches the video the workflow saved
 * through `GET /view`. Cancelling deletes the prompt from the queue and
 * interrupts it if it is the one running.
 *
 * Placeholders in the workflow's strings: {{prompt}}, {{negative}}, {{seed}},
 * {{width}}, {{height}}, {{frames}}, {{fps}}. A string that is exactly one
 * placeholder becomes the value itself (a number for seed, width, height,
 * frames and fps); inside longer text it is spliced in. The size keeps the
 * render profile's shape with its long side at `maxSide`; frames cover the
 * scene at `generationFps` in the steps video models need (n × frameStep + 1),
 * up to `maxFrames`, and the conform step holds or loops the rest. The default
 * workflow is Wan 2.1 text-to-video 1.3B (see nodes/scene/workflows/README.md).
 *
 * ComfyUI has no auth; `COMFYUI_TOKEN`, when set, goes as a bearer token to a
 * server behind an authenticating proxy.
 */
import { createHash, randomUUID } from 'node:crypto';
import { PermanentError, TransientError, Type, type CredentialSpec, type ProviderUsage } from '../../runtime/contract/index.js';
import { apiClient, rawDetail } from './providers/api.js';
import { cancelOnAbort, pollUntilDone, type PollStep } from './providers/async-job.js';
import type { VideoSource } from './providers/download.js';
import { defineSceneNode, secretOf, type GenerateRequest, type SceneParamsWith, type UsageRequest } from './providers/scene-node.js';
import type { VideoFormat } from '../video/profiles.js';
import defaultWorkflow from './workflows/comfyui-wan2.1-t2v.json' with { type: 'json' };

const PROVIDER = 'comfyui';
const DEFAULT_WORKFLOW_ID = `wan2.1-t2v@${createHash('sha256').update(JSON.stringify(defaultWorkflow)).digest('hex').slice(0, 16)}`;

const credential: CredentialSpec = { name: 'comfyui', title: 'ComfyUI token (server behind an authenticating proxy)', env: { token: 'COMFYUI_TOKEN' }, optional: true };

type Workflow = Record<string, unknown>;

const comfyuiParams = {
  workflow: Type.Optional(
    Type.Unsafe<Workflow>({
      type: 'object',
      title: 'Workflow (API format)',
      description: 'Export with “Save (API)”. Placeholders: {{prompt}} {{negative}} {{seed}} {{width}} {{height}} {{frames}} {{fps}}. Empty: the bundled Wan 2.1 text-to-video workflow.',
      minProperties: 1,
    }),
  ),
  maxSide: Type.Integer({ title: 'Generated long side (px)', description: '{{width}}/{{height}}: the render profile’s shape at this long side.', minimum: 64, maximum: 4096, default: 832 }),
  sizeStep: Type.Integer({ title: 'Size step (px)', description: 'Both sides are multiples of this (Wan 16, LTX-Video 32).', minimum: 1, maximum: 128, default: 16 }),
  generationFps: Type.Number({ title: 'Generated frame rate', description: '{{fps}}: the model’s native rate (Wan 16).', exclusiveMinimum: 0, maximum: 120, default: 16 }),
  frameStep: Type.Integer({ title: 'Frame step', description: '{{frames}} is n × step + 1 (Wan 4, LTX-Video 8).', minimum: 1, maximum: 64, default: 4 }),
  maxFrames: Type.Integer({ title: 'Most frames', description: 'Longest clip the model makes well (Wan 1.3B: 81 = 5 s at 16 fps); longer scenes are held or looped.', minimum: 1, maximum: 2000, default: 81 }),
};
type Params = SceneParamsWith<typeof comfyuiParams>;

export const PLACEHOLDERS = ['prompt', 'negative', 'seed', 'width', 'height', 'frames', 'fps'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

/** The profile's shape with its long side at `maxSide`, both sides in steps of `sizeStep`. */
export function generationSize(format: VideoFormat, maxSide: number, step: number): { width: number; height: number } {
  const snap = (value: number): number => Math.max(step, Math.round(value / step) * step);
  const scale = maxSide / Math.max(format.width, format.height);
  return { width: snap(format.width * scale), height: snap(format.height * scale) };
}

/** Frames covering `duration` at `fps`, as n × step + 1, at most `maxFrames`. */
export function generationFrames(duration: number, fps: number, step: number, maxFrames: number): number {
  const frames = (n: number): number => n * step + 1;
  const needed = Math.ceil(duration * fps - 1e-9);
  return Math.min(frames(Math.max(0, Math.ceil((needed - 1) / step))), frames(Math.floor((maxFrames - 1) / step)));
}

/** The workflow with every placeholder filled; an unknown one is reported with its JSON pointer. */
export function fillWorkflow(workflow: Workflow, values: Record<Placeholder, string | number>, label: string): Workflow {
  const whole = /^\{\{\s*([a-z_]+)\s*\}\}$/;
  const anywhere = /\{\{\s*([a-z_]+)\s*\}\}/g;
  const used = new Set<string>();
  const valueOf = (name: string, pointer: string): string | number => {
    if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new PermanentError(`${label}: the workflow uses {{${name}}} at ${pointer}, which does not exist (use: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(' ')})`, { location: { param: `/workflow${pointer}` } });
    }
    used.add(name);
    return values[name as Placeholder];
  };
  const fill = (node: unknown, pointer: string): unknown => {
    if (typeof node === 'string') {
      const match = whole.exec(node);
      return match ? valueOf(match[1] as string, pointer) : node.replace(anywhere, (_text, name: string) => String(valueOf(name, pointer)));
    }
    if (Array.isArray(node)) return node.map((value, i) => fill(value, `${pointer}/${i}`));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, fill(value, `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`)]));
    }
    return node;
  };
  const filled = fill(workflow, '') as Workflow;
  // Without the prompt every scene would render the same picture.
  if (!used.has('prompt')) throw new PermanentError(`${label}: the workflow never uses {{prompt}}`, { location: { param: '/workflow' } });
  return filled;
}

interface FileRef {
  filename?: unknown;
  subfolder?: unknown;
  type?: unknown;
}

interface HistoryEntry {
  outputs?: Record<string, Record<string, unknown>>;
  status?: { status_str?: unknown; messages?: unknown };
}

/** Video nodes list their files under different keys: SaveVideo under `images` (flagged animated), VHS under `gifs`, others under `videos`. */
const OUTPUT_KEYS = ['videos', 'gifs', 'images'];
const VIDEO_FILE = /\.(mp4|m4v|mov|webm|mkv|gif)$/i;

function videoFile(entry: HistoryEntry): FileRef | undefined {
  const files = Object.values(entry.outputs ?? {})
    .flatMap((output) => OUTPUT_KEYS.flatMap((key) => (Array.isArray(output?.[key]) ? (output[key] as FileRef[]) : [])))
    .filter((file) => typeof file?.filename === 'string' && VIDEO_FILE.test(file.filename));
  return files.find((file) => file.type === 'output') ?? files[0];
}

/** The reason ComfyUI gives in `status.messages`: `["execution_error", {node_id, node_type, exception_message}]`. */
function failureOf(entry: HistoryEntry): string {
  const messages = Array.isArray(entry.status?.messages) ? (entry.status.messages as unknown[]) : [];
  for (const message of messages) {
    if (!Array.isArray(message)) continue;
    const [event, data] = message as [unknown, Record<string, unknown> | undefined];
    if (event === 'execution_error') return `node ${String(data?.node_id)} (${String(data?.node_type)}): ${String(data?.exception_message ?? 'no message').trim()}`;
    if (event === 'execution_interrupted') return `interrupted at node ${String(data?.node_id)} (${String(data?.node_type)})`;
  }
  return 'no reason given';
}

type QueueEntry = [number, string, ...unknown[]];

function queueIds(entries: unknown): QueueEntry[] {
  return Array.isArray(entries) ? entries.filter((e): e is QueueEntry => Array.isArray(e) && typeof e[1] === 'string') : [];
}

/** Local and free, but counted: seconds of video generated (the frames the workflow makes). */
function comfyUsage(request: UsageRequest<Params>): ProviderUsage {
  const { params } = request;
  const frames = generationFrames(request.prompt.duration, params.generationFps, params.frameStep, params.maxFrames);
  return { provider: PROVIDER, unit: 'seconds', quantity: frames / params.generationFps };
}

async function generate(request: GenerateRequest<Params>): Promise<VideoSource> {
  const { job, params, prompt, format } = request;
  const size = generationSize(format, params.maxSide, params.sizeStep);
  const frames = generationFrames(prompt.duration, params.generationFps, params.frameStep, params.maxFrames);
  const workflow = fillWorkflow(
    params.workflow ?? (defaultWorkflow as Workflow),
    { prompt: prompt.prompt, negative: prompt.negativePrompt ?? '', seed: request.seed, width: size.width, height: size.height, frames, fps: params.generationFps },
    job.label,
  );
  const token = await secretOf(request.credentials, credential, 'token', job.label);
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const secrets = token ? [token] : [];
  const base = params.endpoint.replace(/\/+$/, '');
  const api = apiClient({ label: job.label, headers, secrets, errorDetail });

  const queued = await api.json<{ prompt_id?: unknown; number?: unknown }>('POST', `${base}/prompt`, job.signal, { prompt: workflow, client_id: randomUUID() });
  if (typeof queued.prompt_id !== 'string' || !queued.prompt_id) throw new TransientError(`${job.label}: ComfyUI queued the workflow but returned no prompt_id`);
  const id = queued.prompt_id;
  // Local and free, but counted: seconds of video generated.
  request.usage(comfyUsage(request));
  const number = typeof queued.number === 'number' ? queued.number : Infinity;
  job.log.info(`${job.label}: prompt ${id} queued`, { prompt: id, ...size, frames });
  job.report('queued', 0.01);

  const queue = async (signal: AbortSignal): Promise<{ running: QueueEntry[]; pending: QueueEntry[] }> => {
    const answer = await api.json<{ queue_running?: unknown; queue_pending?: unknown }>('GET', `${base}/queue`, signal);
    return { running: queueIds(answer.queue_running), pending: queueIds(answer.queue_pending) };
  };

  const file = await cancelOnAbort(
    job,
    async (signal) => {
      const { running } = await queue(signal);
      await api.send('POST', `${base}/queue`, signal, { delete: [id] });
      if (running.some((entry) => entry[1] === id)) await api.send('POST', `${base}/interrupt`, signal, { prompt_id: id });
    },
    () =>
      pollUntilDone(job, params.pollIntervalMs, async (): Promise<PollStep<FileRef>> => {
        const history = await api.json<Record<string, HistoryEntry>>('GET', `${base}/history/${encodeURIComponent(id)}`, job.signal);
        const entry = history[id];
        if (entry) {
          if (entry.status?.status_str === 'error') throw new PermanentError(`${job.label}: prompt ${id} failed: ${failureOf(entry)}`);
          const found = videoFile(entry);
          if (!found) throw new PermanentError(`${job.label}: prompt ${id} finished without a video output; end the workflow with SaveVideo, SaveWEBM or a video combine node`, { location: { param: '/workflow' } });
          return { done: true, value: found };
        }
        const { running, pending } = await queue(job.signal);
        if (running.some((entry) => entry[1] === id)) return { done: false, status: 'running', fraction: 0.1 };
        if (pending.some((entry) => entry[1] === id)) {
          const ahead = running.length + pending.filter((entry) => entry[0] < number).length;
          return { done: false, status: `queued (${ahead} ahead)`, fraction: 0.02 };
        }
        // It may have finished between the two requests; if not, the next polls say so again and the engine resubmits.
        throw new TransientError(`${job.label}: prompt ${id} is neither queued nor finished (ComfyUI restarted, or its queue was cleared)`);
      }),
  );
  const query = new URLSearchParams({ filename: String(file.filename), subfolder: typeof file.subfolder === 'string' ? file.subfolder : '', type: typeof file.type === 'string' ? file.type : 'output' });
  return { url: `${base}/view?${query}`, headers, secrets };
}

/** ComfyUI's `{error: {message, details} | string, node_errors: {id: {class_type, errors: [{message, details}]}}}`, flattened. */
function errorDetail(body: Buffer): string {
  try {
    const { error, node_errors: nodeErrors } = JSON.parse(body.toString('utf8')) as { error?: unknown; node_errors?: unknown };
    const head = typeof error === 'string' ? error : joined(error as { message?: unknown; details?: unknown } | undefined);
    if (head) {
      const nodes = nodeErrors && typeof nodeErrors === 'object' && !Array.isArray(nodeErrors) ? Object.entries(nodeErrors as Record<string, { class_type?: unknown; errors?: unknown }>) : [];
      const parts = nodes.map(([node, problem]) => {
        const errors = Array.isArray(problem?.errors) ? (problem.errors as Array<{ message?: unknown; details?: unknown }>).map(joined).filter(Boolean) : [];
        return `node ${node} (${String(problem?.class_type)}): ${errors.join(', ')}`;
      });
      return [head, ...parts].join('; ');
    }
  } catch {
    // Not JSON: the raw text is the message.
  }
  return rawDetail(body);
}

function joined(entry: { message?: unknown; details?: unknown } | undefined): string {
  if (typeof entry?.message !== 'string') return '';
  return typeof entry.details === 'string' && entry.details ? `${entry.message}: ${entry.details}` : entry.message;
}

export default defineSceneNode({
  type: 'scene.comfyui',
  title: 'Scenes (ComfyUI)',
  description: 'Generates each scene on a ComfyUI server from a text-to-video workflow (default: Wan 2.1 1.3B), conformed to exactly the scene’s duration and the run’s size and frame rate. Each scene is cached on its own.',
  provider: PROVIDER,
  defaultEndpoint: 'http://127.0.0.1:8188',
  defaultPollIntervalMs: 1_000,
  params: comfyuiParams,
  credentials: [credential],
  negativePrompt: true,
  identity: (params) => `${PROVIDER}:${params.workflow ? 'workflow param' : DEFAULT_WORKFLOW_ID}`,
  usage: comfyUsage,
  generate,
});

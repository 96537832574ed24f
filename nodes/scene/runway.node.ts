/**
 * Runway text-to-video: `POST /v1/text_to_video` creates a task, `GET
 * /v1/tasks/{id}` reports it, `DELETE /v1/tasks/{id}` cancels it. Every call
 * carries the bearer key and the required `X-Runway-Version`.
 *
 * Runway makes a few ratios and lengths per model (the table below, from the
 * SDK's request types), so the node asks for the ratio nearest the run's
 * picture and the shortest length that covers the scene, then conforms.
 * Models not in the table work when `ratio` and `clipSeconds` say what to ask.
 */
import { PermanentError, TransientError, Type, type CredentialSpec, type ProviderUsage } from '../../runtime/contract/index.js';
import { apiClient, rawDetail } from './providers/api.js';
import { cancelOnAbort, pollUntilDone, type PollStep } from './providers/async-job.js';
import type { VideoSource } from './providers/download.js';
import { nearestDuration, nearestRatio } from './providers/request-shape.js';
import { defineSceneNode, secretOf, type GenerateRequest, type SceneParamsWith, type UsageRequest } from './providers/scene-node.js';

const PROVIDER = 'runway';
const API_VERSION = '2024-11-06';
/** Runway counts prompt length in UTF-16 code units, as JavaScript does. */
const MAX_PROMPT_LENGTH = 1000;

const credential: CredentialSpec = { name: 'runway', title: 'Runway API secret', env: { apiKey: 'RUNWAYML_API_SECRET' } };

interface RunwayModel {
  ratios: string[];
  /** Seconds it can make. */
  durations: number[];
  /** Whether text_to_video takes a seed for this model. */
  seed: boolean;
}

const veo31: RunwayModel = { ratios: ['1280:720', '720:1280', '1080:1920', '1920:1080'], durations: [4, 6, 8], seed: false };

export const runwayModels: Record<string, RunwayModel> = {
  'gen4.5': { ratios: ['1280:720', '720:1280'], durations: [2, 3, 4, 5, 6, 7, 8, 9, 10], seed: true },
  'veo3.1': veo31,
  'veo3.1_fast': veo31,
};

const runwayParams = {
  model: Type.String({ title: 'Model', description: `e.g. ${Object.keys(runwayModels).join(', ')}.`, default: 'gen4.5', minLength: 1 }),
  ratio: Type.Optional(Type.String({ title: 'Ratio (override)', description: 'e.g. 1280:720. Default: the model’s ratio nearest the render profile.', pattern: '^[0-9]+:[0-9]+$' })),
  clipSeconds: Type.Optional(Type.Integer({ title: 'Clip length (override)', description: 'Seconds to ask for. Default: the shortest the model makes that covers the scene.', minimum: 1, maximum: 60 })),
};
type Params = SceneParamsWith<typeof runwayParams>;

/** What Runway is asked for: the model's nearest ratio and length, or the explicit overrides. */
export function runwayRequestBody(request: Pick<GenerateRequest<Params>, 'prompt' | 'params' | 'format' | 'seed'>, label: string): Record<string, unknown> {
  const { prompt, params, format, seed } = request;
  const model = runwayModels[params.model];
  if (!model && (params.ratio === undefined || params.clipSeconds === undefined)) {
    throw new PermanentError(`${label}: model "${params.model}" is not one of ${Object.keys(runwayModels).join(', ')}; set ratio and clipSeconds to use it`, { location: { param: '/model' } });
  }
  if (prompt.prompt.length > MAX_PROMPT_LENGTH) {
    throw new PermanentError(`${label}: the prompt is ${prompt.prompt.length} characters; Runway takes at most ${MAX_PROMPT_LENGTH}`, { location: { port: 'prompts' } });
  }
  return {
    model: params.model,
    promptText: prompt.prompt,
    ratio: params.ratio ?? nearestRatio(format, model?.ratios ?? []),
    duration: params.clipSeconds ?? nearestDuration(prompt.duration, model?.durations ?? []),
    ...((model?.seed ?? true) ? { seed } : {}),
  };
}

interface Task {
  id?: unknown;
  status?: unknown;
  progress?: unknown;
  output?: unknown;
  failure?: unknown;
  failureCode?: unknown;
}

/** Task statuses as data: the SDK keeps polling while PENDING, THROTTLED or RUNNING. */
const taskStates: Record<string, (task: Task, label: string) => PollStep<string>> = {
  PENDING: () => ({ done: false, status: 'PENDING', fraction: 0.02 }),
  THROTTLED: () => ({ done: false, status: 'THROTTLED (waiting for a Runway concurrency slot)', fraction: 0.02 }),
  RUNNING: (task) => {
    const progress = typeof task.progress === 'number' && Number.isFinite(task.progress) ? Math.min(1, Math.max(0, task.progress)) : 0;
    return { done: false, status: `RUNNING ${Math.round(progress * 100)}%`, fraction: 0.05 + 0.95 * progress };
  },
  SUCCEEDED: (task, label) => {
    const url = Array.isArray(task.output) ? task.output[0] : undefined;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new PermanentError(`${label}: task ${String(task.id)} succeeded without an output URL`);
    return { done: true, value: url };
  },
  FAILED: (task, label) => {
    const code = typeof task.failureCode === 'string' ? ` [${task.failureCode}]` : '';
    throw new PermanentError(`${label}: task ${String(task.id)} failed: ${typeof task.failure === 'string' ? task.failure : 'no reason given'}${code}`);
  },
  CANCELLED: (task, label) => {
    throw new PermanentError(`${label}: task ${String(task.id)} was cancelled or deleted on Runway`);
  },
};

/** Runway bills credits per second of video asked for, per model. */
function runwayUsage(request: UsageRequest<Params>, label: string): ProviderUsage {
  return { provider: PROVIDER, unit: 'seconds', quantity: Number(runwayRequestBody(request, label).duration), model: request.params.model };
}

async function generate(request: GenerateRequest<Params>): Promise<VideoSource> {
  const { job, params } = request;
  const body = runwayRequestBody(request, job.label);
  const apiKey = (await secretOf(request.credentials, credential, 'apiKey', job.label)) as string;
  const base = params.endpoint.replace(/\/+$/, '');
  const api = apiClient({ label: job.label, headers: { authorization: `Bearer ${apiKey}`, 'x-runway-version': API_VERSION }, secrets: [apiKey], errorDetail });

  const created = await api.json<Task>('POST', `${base}/v1/text_to_video`, job.signal, body);
  if (typeof created.id !== 'string' || !created.id) throw new TransientError(`${job.label}: Runway accepted the task but returned no id`);
  const id = created.id;
  request.usage(runwayUsage(request, job.label));
  const taskUrl = `${base}/v1/tasks/${encodeURIComponent(id)}`;
  job.log.info(`${job.label}: task ${id} created`, { task: id, ratio: body.ratio, duration: body.duration });
  job.report('submitted', 0.01);

  const url = await cancelOnAbort(
    job,
    (signal) => api.send('DELETE', taskUrl, signal),
    () =>
      pollUntilDone(job, params.pollIntervalMs, async () => {
        const task = await api.json<Task>('GET', taskUrl, job.signal);
        const state = taskStates[String(task.status)];
        if (!state) throw new PermanentError(`${job.label}: task ${id} has an unknown status "${String(task.status)}"`);
        return state({ ...task, id }, job.label);
      }),
  );
  return { url };
}

/** Runway's `{"error": "…"}`, or the raw body. */
function errorDetail(body: Buffer): string {
  try {
    const { error } = JSON.parse(body.toString('utf8')) as { error?: unknown };
    if (typeof error === 'string') return error;
  } catch {
    // Not JSON: the raw text is the message.
  }
  return rawDetail(body);
}

export default defineSceneNode({
  type: 'scene.runway',
  title: 'Scenes (Runway)',
  description: 'Generates each scene with Runway text-to-video, conformed to exactly the scene’s duration and the run’s size and frame rate. Each scene is cached on its own, so re-runs do not re-bill.',
  provider: PROVIDER,
  defaultEndpoint: 'https://api.dev.runwayml.com',
  // Runway says not to expect updates more often than every 5 s.
  defaultPollIntervalMs: 5_000,
  params: runwayParams,
  credentials: [credential],
  negativePrompt: false,
  identity: (params) => `${PROVIDER}:${params.model}`,
  usage: runwayUsage,
  generate,
});

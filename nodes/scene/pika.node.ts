/**
 * Pika text-to-video through fal's queue: `POST {queue}/{model}` submits and
 * answers with the request's `status_url`, `response_url` and `cancel_url`;
 * the status is 202 while IN_QUEUE or IN_PROGRESS and 200 once COMPLETED;
 * the result (or the model's error) is at `response_url`; `PUT cancel_url`
 * cancels. Auth is `Authorization: Key …`.
 *
 * The returned URLs are used as given (fal drops the model's sub-path from
 * them), but only on the submit URL's origin: they carry the key, and a
 * response must not be able to send it elsewhere. The finished video sits on
 * fal's CDN and is fetched without the key.
 */
import { PermanentError, TransientError, Type, type CredentialSpec, type ProviderUsage } from '../../runtime/contract/index.js';
import { fastApiDetail } from '../http/fastapi-detail.js';
import { apiClient, rawDetail } from './providers/api.js';
import { cancelOnAbort, pollUntilDone, withRetries, type Job, type PollStep } from './providers/async-job.js';
import type { VideoSource } from './providers/download.js';
import { nearestDuration, nearestRatio, nearestResolution } from './providers/request-shape.js';
import { defineSceneNode, secretOf, type GenerateRequest, type SceneParamsWith, type UsageRequest } from './providers/scene-node.js';

const PROVIDER = 'fal';
const RESULT_ATTEMPTS = 5;

const credential: CredentialSpec = { name: 'fal', title: 'fal.ai API key', env: { apiKey: 'FAL_KEY' } };

interface PikaModel {
  aspectRatios: string[];
  /** Named resolution → its short side in pixels. */
  resolutions: Record<string, number>;
  durations: number[];
}

export const pikaModels: Record<string, PikaModel> = {
  'fal-ai/pika/v2.2/text-to-video': {
    aspectRatios: ['16:9', '9:16', '1:1', '4:5', '5:4', '3:2', '2:3'],
    resolutions: { '720p': 720, '1080p': 1080 },
    durations: [5, 10],
  },
};

const pikaParams = {
  model: Type.String({ title: 'Model (fal endpoint id)', description: `e.g. ${Object.keys(pikaModels).join(', ')}.`, default: 'fal-ai/pika/v2.2/text-to-video', minLength: 1 }),
  ratio: Type.Optional(Type.String({ title: 'Aspect ratio (override)', description: 'e.g. 16:9. Default: the model’s ratio nearest the render profile.', pattern: '^[0-9]+:[0-9]+$' })),
  clipSeconds: Type.Optional(Type.Integer({ title: 'Clip length (override)', description: 'Seconds to ask for. Default: the shortest the model makes that covers the scene.', minimum: 1, maximum: 60 })),
};
type Params = SceneParamsWith<typeof pikaParams>;

/** The model input: nearest aspect ratio, resolution and length, or the explicit overrides. */
export function pikaRequestBody(request: Pick<GenerateRequest<Params>, 'prompt' | 'params' | 'format' | 'seed'>, label: string): Record<string, unknown> {
  const { prompt, params, format, seed } = request;
  const model = pikaModels[params.model];
  if (!model && (params.ratio === undefined || params.clipSeconds === undefined)) {
    throw new PermanentError(`${label}: model "${params.model}" is not one of ${Object.keys(pikaModels).join(', ')}; set ratio and clipSeconds to use it`, { location: { param: '/model' } });
  }
  return {
    prompt: prompt.prompt,
    ...(prompt.negativePrompt ? { negative_prompt: prompt.negativePrompt } : {}),
    seed,
    aspect_ratio: params.ratio ?? nearestRatio(format, model?.aspectRatios ?? []),
    ...(model ? { resolution: nearestResolution(format, model.resolutions) } : {}),
    duration: params.clipSeconds ?? nearestDuration(prompt.duration, model?.durations ?? []),
  };
}

interface QueueStatus {
  status?: unknown;
  request_id?: unknown;
  status_url?: unknown;
  response_url?: unknown;
  cancel_url?: unknown;
  queue_position?: unknown;
}

const queueStates: Record<string, (status: QueueStatus) => PollStep<true>> = {
  IN_QUEUE: (status) => ({ done: false, status: typeof status.queue_position === 'number' ? `IN_QUEUE (position ${status.queue_position})` : 'IN_QUEUE', fraction: 0.02 }),
  // fal reports no fraction while a request runs.
  IN_PROGRESS: () => ({ done: false, status: 'IN_PROGRESS', fraction: 0.1 }),
  COMPLETED: () => ({ done: true, value: true }),
};

/** fal prices Pika by length and resolution: seconds asked for, at `model:resolution`. */
function pikaUsage(request: UsageRequest<Params>, label: string): ProviderUsage {
  const body = pikaRequestBody(request, label);
  const { model } = request.params;
  return { provider: PROVIDER, unit: 'seconds', quantity: Number(body.duration), model: body.resolution ? `${model}:${String(body.resolution)}` : model };
}

async function generate(request: GenerateRequest<Params>): Promise<VideoSource> {
  const { job, params } = request;
  const body = pikaRequestBody(request, job.label);
  const apiKey = (await secretOf(request.credentials, credential, 'apiKey', job.label)) as string;
  const submitUrl = `${params.endpoint.replace(/\/+$/, '')}/${params.model.replace(/^\/+/, '')}`;
  const api = apiClient({ label: job.label, headers: { authorization: `Key ${apiKey}` }, secrets: [apiKey], errorDetail });

  const queued = await api.json<QueueStatus>('POST', submitUrl, job.signal, body);
  // Queued means billed, even if the answer below turns out unusable; fal prices Pika by length and resolution.
  request.usage(pikaUsage(request, job.label));
  const urls = {
    status: sameOrigin(queued.status_url, submitUrl, 'status_url', job),
    response: sameOrigin(queued.response_url, submitUrl, 'response_url', job),
    cancel: sameOrigin(queued.cancel_url, submitUrl, 'cancel_url', job),
  };
  const requestId = String(queued.request_id);
  job.log.info(`${job.label}: request ${requestId} queued`, { request: requestId, aspectRatio: body.aspect_ratio, duration: body.duration });
  job.report('submitted', 0.01);

  const output = await cancelOnAbort(
    job,
    (signal) => api.send('PUT', urls.cancel, signal),
    async () => {
      await pollUntilDone(job, params.pollIntervalMs, async () => {
        const status = await api.json<QueueStatus>('GET', urls.status, job.signal);
        const state = queueStates[String(status.status)];
        if (!state) throw new PermanentError(`${job.label}: request ${requestId} has an unknown status "${String(status.status)}"`);
        return state(status);
      });
      // A model that failed still completes; its error is the result's answer, and a 4xx there is final.
      return withRetries(job, () => api.json<{ video?: { url?: unknown } }>('GET', urls.response, job.signal), { attempts: RESULT_ATTEMPTS, delayMs: params.pollIntervalMs });
    },
  );
  const url = output.video?.url;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw new PermanentError(`${job.label}: the result of request ${requestId} has no video URL`);
  return { url };
}

/** A URL fal returned for this request, accepted only on the origin the key was sent to. */
function sameOrigin(value: unknown, submitUrl: string, field: string, job: Job): string {
  if (typeof value !== 'string') throw new TransientError(`${job.label}: fal's queue answer has no ${field}`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TransientError(`${job.label}: fal's ${field} is not a URL`);
  }
  if (url.origin !== new URL(submitUrl).origin) throw new PermanentError(`${job.label}: fal's ${field} points to ${url.origin}, not ${new URL(submitUrl).origin}; the key is not sent there`);
  return url.href;
}

/** fal's `detail`: a string, or FastAPI's list of `{loc, msg, type}`. */
function errorDetail(body: Buffer): string {
  try {
    const detail = fastApiDetail(JSON.parse(body.toString('utf8')), { withType: true });
    if (detail && detail.kind !== 'object') return detail.message;
  } catch {
    // Not JSON: the raw text is the message.
  }
  return rawDetail(body);
}

export default defineSceneNode({
  type: 'scene.pika',
  title: 'Scenes (Pika via fal)',
  description: 'Generates each scene with Pika text-to-video through fal’s queue, conformed to exactly the scene’s duration and the run’s size and frame rate. Each scene is cached on its own, so re-runs do not re-bill.',
  provider: PROVIDER,
  defaultEndpoint: 'https://queue.fal.run',
  defaultPollIntervalMs: 2_000,
  params: pikaParams,
  credentials: [credential],
  negativePrompt: true,
  identity: (params) => `${PROVIDER}:${params.model}`,
  usage: pikaUsage,
  generate,
});

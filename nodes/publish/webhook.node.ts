/**
 * publish.webhook: tells another system (a CMS, a chat bot, a scheduler)
 * that an episode is out: a JSON POST with the deliverables, their links
 * (from publish.s3 and publish.youtube) and free metadata, signed like the
 * server's webhooks (signing.ts) so the receiver can check it came from us.
 *
 * The body is the same on every attempt and carries a delivery id (its
 * hash, also in `X-Reelgraph-Delivery`) for the receiver to drop repeats;
 * the timestamp and signature are made afresh per attempt. 5xx, 429,
 * timeouts and connection failures are retried with doubling backoff (a
 * Retry-After is honoured up to a cap); any other 4xx is the receiver
 * saying no, and permanent.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineNode, nodeParams, PermanentError, TimeoutError, TransientError, Type, whereToStoreCredential, type CredentialSpec, type NodeContext, type Static } from '../../runtime/contract/index.js';
import { redact, retryAfterHeader } from '../http/client.js';
import { deliverablesOf, fileNameOf } from './deliverables.js';
import { signedHeaders } from './signing.js';

const NODE_TYPE = 'publish.webhook';
export const DELIVERY_HEADER = 'X-Reelgraph-Delivery';
const credential: CredentialSpec = { name: 'publish-webhook', title: 'Publish webhook signing secret', env: { secret: 'REELGRAPH_PUBLISH_WEBHOOK_SECRET' } };

const params = nodeParams({
  url: Type.String({ title: 'URL', format: 'uri', pattern: '^https?://' }),
  event: Type.String({ title: 'Event name', default: 'episode.published', minLength: 1 }),
  metadata: Type.Record(Type.String(), Type.Unknown(), { title: 'Metadata', default: {}, description: 'Anything else the receiver should get, sent as `metadata`.' }),
  timeoutMs: Type.Integer({ title: 'Timeout per attempt (ms)', minimum: 100, default: 10_000 }),
  retries: Type.Integer({ title: 'Retries', minimum: 0, maximum: 10, default: 4 }),
  backoffMs: Type.Integer({ title: 'First retry after (ms)', minimum: 0, default: 1000, description: 'Doubles with each retry.' }),
  maxRetryAfterMs: Type.Integer({ title: 'Longest Retry-After waited (ms)', minimum: 0, default: 60_000 }),
});
type Params = Static<typeof params>;

interface Links {
  [kind: string]: string;
}

/** The body: what was published and where, without local paths (they mean nothing to the receiver). */
export function webhookPayload(ctx: Pick<NodeContext<Params>, 'runId' | 'params' | 'inputs' | 'nodeId'>): Record<string, unknown> {
  const links: Links = {};
  const urls = ctx.inputs.urls;
  if (urls && typeof urls === 'object' && !Array.isArray(urls)) {
    for (const [kind, url] of Object.entries(urls)) if (typeof url === 'string') links[kind] = url;
  }
  if (typeof ctx.inputs.youtubeUrl === 'string') links.youtube = ctx.inputs.youtubeUrl;
  const files = ctx.inputs.files === undefined ? [] : deliverablesOf(ctx.inputs.files, ctx.nodeId);
  const deliverables = files.map((file) => ({ kind: file.kind, name: fileNameOf(file), bytes: file.bytes, ...(links[file.kind] ? { url: links[file.kind] } : {}) }));
  const payload = { event: ctx.params.event, runId: ctx.runId, deliverables, links, metadata: ctx.params.metadata };
  return { deliveryId: createHash('sha256').update(JSON.stringify(payload)).digest('hex').slice(0, 32), ...payload };
}

export default defineNode({
  type: NODE_TYPE,
  version: 1,
  title: 'Publish webhook',
  category: 'export',
  description:
    'POSTs the deliverables, their links (S3, YouTube) and your metadata as JSON to a URL, signed with HMAC-SHA256 like reelgraph’s own webhooks. Retries on 5xx and timeouts; a 4xx is final.',
  inputs: [
    { name: 'files', type: 'Json', title: 'Package files', optional: true, description: 'The export package’s files (names and sizes are sent).' },
    { name: 'urls', type: 'Json', title: 'Links by kind', optional: true, description: 'e.g. the URLs from Publish to S3.' },
    { name: 'youtubeUrl', type: 'Text', title: 'YouTube URL', optional: true },
  ],
  outputs: [
    { name: 'status', type: 'Number', title: 'HTTP status' },
    { name: 'deliveryId', type: 'Text', title: 'Delivery id' },
  ],
  params,
  resource: 'io',
  // A notification: every run that reaches it sends it.
  cacheable: false,
  // The node retries on its own (see above); the engine adds one more round after that.
  retry: { retries: 1, backoffMs: 30_000 },
  timeoutMs: 600_000,
  credentials: [credential],
  async execute(ctx: NodeContext<Params>) {
    const { params, nodeId, signal } = ctx;
    const secret = (await ctx.credentials.get(credential.name))?.secret;
    if (!secret) throw new PermanentError(`${NODE_TYPE}: no signing secret; ${whereToStoreCredential(credential)}`, { location: { nodeId } });
    const payload = webhookPayload(ctx);
    const body = JSON.stringify(payload);
    const deliveryId = payload.deliveryId as string;
    const where = { location: { nodeId } };
    for (let attempt = 1; ; attempt++) {
      const deadline = AbortSignal.timeout(params.timeoutMs);
      let failure: TransientError | TimeoutError;
      try {
        const response = await fetch(params.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'reelgraph-publish', [DELIVERY_HEADER]: deliveryId, ...signedHeaders(secret, body) },
          body,
          signal: AbortSignal.any([signal, deadline]),
          redirect: 'error',
        });
        const text = (await response.text()).slice(0, 300);
        if (response.ok) {
          ctx.log.info(`${NODE_TYPE}: delivered`, { status: response.status, attempt, deliveryId });
          return { status: response.status, deliveryId };
        }
        const message = `${NODE_TYPE}: ${params.url} answered HTTP ${response.status}${text.trim() ? `: ${redact(text.trim(), [secret])}` : ''}`;
        if (response.status !== 429 && response.status < 500) throw new PermanentError(`${message} (a refusal; not retried)`, where);
        const retryAfterMs = retryAfterHeader(response.headers);
        failure = new TransientError(message, { ...where, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (error instanceof PermanentError) throw error;
        failure = deadline.aborted
          ? new TimeoutError(`${NODE_TYPE}: ${params.url} did not answer within ${params.timeoutMs} ms`, where)
          : new TransientError(`${NODE_TYPE}: could not reach ${params.url} (${redact(error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error), [secret])})`, { ...where, cause: error });
      }
      if (attempt > params.retries) throw failure;
      const asked = failure.retryAfterMs;
      if (asked !== undefined && asked > params.maxRetryAfterMs) throw failure;
      ctx.log.warn(`${failure.message}; retry ${attempt} of ${params.retries}`);
      await sleep(Math.max(params.backoffMs * 2 ** (attempt - 1), asked ?? 0), undefined, { signal });
    }
  },
});

/**
 * publish.youtube: uploads the export package's video to a YouTube channel
 * (resumable upload, see youtube-client.ts), with its metadata, the package's
 * chapters in the description, and its thumbnail.
 *
 * Not cacheable by the engine: its inputs are file paths, which say nothing
 * about the bytes. Instead each upload is recorded in the part cache under
 * the video's SHA-256, the metadata sent and the channel's client: a second
 * run with the same video and metadata answers the recorded video without a
 * request (no duplicate on the channel); a changed video or changed metadata
 * uploads again. An upload whose thumbnail failed is recorded too, so the
 * next run only sets the thumbnail.
 */
import { readFile } from 'node:fs/promises';
import { defineNode, nodeParams, PermanentError, Type, whereToStoreCredential, type CredentialSpec, type NodeContext, type Static } from '../../runtime/contract/index.js';
import { currentSize, deliverablesOf, findDeliverable, readText, sha256File, type Deliverable } from './deliverables.js';
import { UPLOAD_CHUNK_UNIT, YouTubeClient, type GoogleOAuthCredentials } from './youtube-client.js';

const NODE_TYPE = 'publish.youtube';
const credential: CredentialSpec = {
  name: 'youtube',
  title: 'YouTube (Google OAuth2 client and refresh token)',
  env: { clientId: 'YOUTUBE_CLIENT_ID', clientSecret: 'YOUTUBE_CLIENT_SECRET', refreshToken: 'YOUTUBE_REFRESH_TOKEN' },
};
/** YouTube's own limits on the snippet, checked before any byte is sent. */
const MAX_DESCRIPTION_BYTES = 5000;
const MAX_TAGS_CHARACTERS = 500;
const privacyStatuses = ['private', 'unlisted', 'public'] as const;

const params = nodeParams(
  {
    title: Type.String({ title: 'Title', minLength: 1, maxLength: 100, pattern: '^[^<>]*$', description: 'Up to 100 characters, no < or >.' }),
    description: Type.String({ title: 'Description', default: '', maxLength: MAX_DESCRIPTION_BYTES }),
    appendChapters: Type.Boolean({ title: 'Append chapters', default: true, description: 'The package’s chapters (`0:00 Title` lines) after the description.' }),
    tags: Type.Array(Type.String({ minLength: 1 }), { title: 'Tags', default: [] }),
    categoryId: Type.String({ title: 'Category id', default: '22', pattern: '^\\d+$', description: '22 People & Blogs, 24 Entertainment, 27 Education, 28 Science & Technology.' }),
    privacyStatus: Type.Unsafe<(typeof privacyStatuses)[number]>({ enum: [...privacyStatuses], title: 'Privacy', default: 'private' }),
    publishAt: Type.Optional(Type.String({ format: 'date-time', title: 'Publish at', description: 'Scheduled publication (ISO 8601); YouTube requires privacy "private" until then.' })),
    selfDeclaredMadeForKids: Type.Boolean({ title: 'Made for kids', description: 'Required: YouTube (COPPA) asks whether the video is made for children.' }),
    containsSyntheticMedia: Type.Boolean({ title: 'Contains altered or synthetic media', description: 'Required: YouTube asks whether realistic content was made or altered with AI.' }),
    apiBase: Type.String({ title: 'API base URL', format: 'uri', default: 'https://www.googleapis.com' }),
    tokenBase: Type.String({ title: 'OAuth2 base URL', format: 'uri', default: 'https://oauth2.googleapis.com' }),
    chunkKiB: Type.Integer({ title: 'Chunk size (KiB)', minimum: 256, multipleOf: 256, default: 8192, description: 'A multiple of 256 KiB, as the protocol requires.' }),
    requestTimeoutMs: Type.Integer({ title: 'Request timeout (ms)', minimum: 100, default: 120_000 }),
    retries: Type.Integer({ title: 'Retries in a row', minimum: 0, maximum: 20, default: 5, description: 'Failed requests in a row (without progress) before the upload gives up.' }),
    retryBackoffMs: Type.Integer({ title: 'Retry backoff (ms)', minimum: 0, default: 1000 }),
    maxRetryAfterMs: Type.Integer({ title: 'Longest Retry-After waited (ms)', minimum: 0, default: 60_000 }),
  },
  {
    // Scheduled publication is only for private videos (YouTube's rule): caught in the graph, before a byte is sent.
    if: { required: ['publishAt'] },
    then: { properties: { privacyStatus: { const: 'private', description: 'publishAt needs privacyStatus "private"' } } },
  },
);
type Params = Static<typeof params>;

/** What one upload sends, and so what its record is keyed by. */
interface UploadRecordKey {
  upload: 'youtube';
  videoSha256: string;
  resource: Record<string, unknown>;
  apiBase: string;
  clientId: string;
}

interface UploadRecord {
  videoId: string;
  /** SHA-256 of the thumbnail set on it, when one was. */
  thumbnailSha256?: string;
}

export function videoResource(params: Params, chapters: string | undefined): Record<string, unknown> {
  const description = [params.description.trim(), params.appendChapters && chapters?.trim() ? chapters.trim() : ''].filter(Boolean).join('\n\n');
  return {
    snippet: { title: params.title, description, ...(params.tags.length > 0 ? { tags: params.tags } : {}), categoryId: params.categoryId },
    status: {
      privacyStatus: params.privacyStatus,
      ...(params.publishAt ? { publishAt: params.publishAt } : {}),
      selfDeclaredMadeForKids: params.selfDeclaredMadeForKids,
      containsSyntheticMedia: params.containsSyntheticMedia,
    },
  };
}

/**
 * The params' rules again, for a call that did not come through graph
 * validation (a node module, a test): a half-answered upload never starts.
 */
function checkParams(params: Params, nodeId: string): void {
  const fail = (param: string, message: string): never => {
    throw new PermanentError(`${NODE_TYPE}: ${message}`, { location: { nodeId, param } });
  };
  for (const answer of ['selfDeclaredMadeForKids', 'containsSyntheticMedia'] as const) {
    if (typeof params[answer] !== 'boolean') fail(`/${answer}`, `${answer} is required (true or false): YouTube asks it of every upload`);
  }
  if (params.publishAt !== undefined && params.privacyStatus !== 'private') fail('/privacyStatus', `publishAt needs privacyStatus "private" (YouTube publishes it then), not "${params.privacyStatus}"`);
  if (params.chunkKiB % (UPLOAD_CHUNK_UNIT / 1024) !== 0) fail('/chunkKiB', 'the chunk size must be a multiple of 256 KiB');
  const tagCharacters = params.tags.reduce((sum, tag) => sum + tag.length + (tag.includes(' ') ? 2 : 0), 0) + Math.max(0, params.tags.length - 1);
  if (tagCharacters > MAX_TAGS_CHARACTERS) fail('/tags', `the tags come to ${tagCharacters} characters; YouTube allows ${MAX_TAGS_CHARACTERS}`);
}

async function credentialsOf(ctx: NodeContext<Params>): Promise<GoogleOAuthCredentials> {
  const stored = await ctx.credentials.get(credential.name);
  const [clientId, clientSecret, refreshToken] = [stored?.clientId?.trim(), stored?.clientSecret?.trim(), stored?.refreshToken?.trim()];
  if (!clientId || !clientSecret || !refreshToken) {
    throw new PermanentError(`${NODE_TYPE}: the YouTube credential needs clientId, clientSecret and refreshToken; ${whereToStoreCredential(credential)}`, { location: { nodeId: ctx.nodeId } });
  }
  return { clientId, clientSecret, refreshToken };
}

export default defineNode({
  type: NODE_TYPE,
  version: 1,
  title: 'Publish to YouTube',
  category: 'export',
  description:
    'Uploads the export package’s video to YouTube (resumable: an interrupted upload goes on from what the server holds), with title, description and chapters, tags, privacy or a scheduled time, and the two answers YouTube requires (made for kids, synthetic media); then sets the thumbnail. The same video with the same metadata is uploaded once.',
  inputs: [{ name: 'files', type: 'Json', title: 'Package files', description: 'The export package’s files: the mp4, and the thumbnail and chapters when it wrote them.' }],
  outputs: [
    { name: 'videoId', type: 'Text', title: 'Video id' },
    { name: 'url', type: 'Text', title: 'Video URL' },
  ],
  params,
  resource: 'io',
  // A side effect with its own record (the part cache, by content hash and metadata): see the file comment.
  cacheable: false,
  retry: { retries: 2, backoffMs: 30_000 },
  timeoutMs: 3_600_000,
  credentials: [credential],
  // A large video takes long: allow a 1 Mbit/s uplink (128 KiB/s), and never less than ten minutes.
  unitTimeoutMs(inputs) {
    const files = Array.isArray(inputs.files) ? (inputs.files as Deliverable[]) : [];
    const bytes = files.find((file) => file?.kind === 'mp4')?.bytes ?? 0;
    return Math.max(600_000, Math.ceil(bytes / (128 * 1024)) * 1000);
  },
  async execute(ctx: NodeContext<Params>) {
    const { params, nodeId } = ctx;
    checkParams(params, nodeId);
    const files = deliverablesOf(ctx.inputs.files, nodeId);
    const video = findDeliverable(files, 'mp4');
    if (!video) throw new PermanentError(`${NODE_TYPE}: the package has no mp4; keep "mp4" in the export package's files`, { location: { nodeId, port: 'files' } });
    const size = await currentSize(video, nodeId);
    if (size === 0) throw new PermanentError(`${NODE_TYPE}: the video "${video.path}" is empty`, { location: { nodeId, port: 'files' } });
    const chaptersFile = findDeliverable(files, 'chapters');
    const resource = videoResource(params, chaptersFile ? await readText(chaptersFile) : undefined);
    const description = (resource.snippet as { description: string }).description;
    if (Buffer.byteLength(description) > MAX_DESCRIPTION_BYTES) {
      throw new PermanentError(`${NODE_TYPE}: the description with its chapters is ${Buffer.byteLength(description)} bytes; YouTube allows ${MAX_DESCRIPTION_BYTES}`, { location: { nodeId, param: '/description' } });
    }
    const credentials = await credentialsOf(ctx);
    const thumbnailFile = findDeliverable(files, 'thumbnail');
    const thumbnail = thumbnailFile ? await readFile(thumbnailFile.path) : undefined;

    const key: UploadRecordKey = { upload: 'youtube', videoSha256: await sha256File(video.path, ctx.signal), resource, apiBase: params.apiBase, clientId: credentials.clientId };
    const thumbnailSha256 = thumbnailFile ? await sha256File(thumbnailFile.path, ctx.signal) : undefined;
    const client = new YouTubeClient({
      apiBase: params.apiBase,
      tokenBase: params.tokenBase,
      credentials,
      requestTimeoutMs: params.requestTimeoutMs,
      retries: params.retries,
      backoffMs: params.retryBackoffMs,
      maxRetryAfterMs: params.maxRetryAfterMs,
      signal: ctx.signal,
      log: ctx.log,
      nodeId,
    });

    const recorded = (await ctx.parts?.get(key)) as Partial<UploadRecord> | undefined;
    let record = typeof recorded?.videoId === 'string' ? (recorded as UploadRecord) : undefined;
    if (record) {
      ctx.log.info(`${NODE_TYPE}: this video with this metadata is already on YouTube as ${record.videoId}; not uploaded again`);
    } else {
      const uploaded = await client.upload({
        path: video.path,
        size,
        mime: 'video/mp4',
        resource,
        chunkBytes: params.chunkKiB * 1024,
        progress: (sent, total) => ctx.progress((0.9 * sent) / total, `uploaded ${Math.round(sent / 1024)} of ${Math.round(total / 1024)} KiB`),
      });
      ctx.usage({ provider: 'youtube', unit: 'uploads', quantity: 1 });
      record = { videoId: uploaded.id };
      // Recorded before the thumbnail: a thumbnail that fails must not cost a second upload.
      await ctx.parts?.put(key, { ...record });
      ctx.log.info(`${NODE_TYPE}: uploaded as ${uploaded.id}`, { bytes: size });
    }
    if (thumbnail && thumbnailSha256 !== record.thumbnailSha256) {
      ctx.progress(0.95, 'thumbnail');
      await client.setThumbnail(record.videoId, thumbnail);
      record = { ...record, thumbnailSha256 };
      await ctx.parts?.put(key, { ...record });
    }
    return { videoId: record.videoId, url: `https://www.youtube.com/watch?v=${encodeURIComponent(record.videoId)}` };
  },
});

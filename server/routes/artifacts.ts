/**
 * Artifacts by content hash: the bytes with their media type and HTTP Range
 * support (video seeking), and the handle's metadata. Browsers' media
 * elements cannot send a bearer token, so `/link` hands out a signed,
 * short-lived `/media/:hash` URL (server/media-links.ts) that streams the
 * same bytes without one.
 */
import type { Response } from 'express';
import { basename } from 'node:path';
import type { ArtifactHandle } from '../../runtime/contract/artifacts.js';
import { withDefault } from '../../runtime/contract/api-requests.js';
import { Type } from '../../runtime/contract/typebox.js';
import type { ServerContext } from '../context.js';
import { HttpError, notFound } from '../errors.js';
import { DEFAULT_LINK_TTL_S, MAX_LINK_TTL_S } from '../media-links.js';
import { defineRoute, objectSchema, type AnyRoute, type ResponseSpec } from '../route.js';
import { errors, ref } from '../schemas.js';

const tags = ['artifacts'];
const ranged: Record<number, ResponseSpec> = { 206: { description: 'the requested range', contentType: '*/*' }, 416: { description: 'range not satisfiable' } };
const hashParams = objectSchema({ hash: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256, lowercase hex' }) });

export function artifactRoutes(ctx: ServerContext, signer = ctx.mediaSigner): AnyRoute[] {
  const { artifacts, store } = ctx.workspace;

  async function handleOf(hash: string): Promise<ArtifactHandle> {
    if (!(await artifacts.has(hash))) throw notFound(`artifact ${hash}`);
    const indexed = await store.getArtifact(hash);
    return indexed ?? artifacts.getHandle(hash);
  }

  async function send(hash: string, res: Response): Promise<void> {
    const handle = await handleOf(hash);
    const path = await artifacts.localPath({ hash });
    const name = handle.name ? basename(handle.name) : hash;
    res.attachment(name);
    // Inline for players and <img>; `attachment` above only names the download.
    res.set('Content-Disposition', (res.get('Content-Disposition') ?? '').replace(/^attachment/, 'inline'));
    await new Promise<void>((resolve, reject) => {
      res.sendFile(path, { headers: { 'Content-Type': handle.mime, 'Cache-Control': 'private, max-age=31536000, immutable' }, acceptRanges: true, etag: true, dotfiles: 'allow' }, (error) => {
        if (error && !res.headersSent) reject(error);
        else resolve();
      });
    });
  }

  const bytes = (method: 'get' | 'head'): AnyRoute =>
    defineRoute({
      method,
      path: '/api/artifacts/:hash',
      summary: method === 'get' ? 'The bytes of an artifact (supports Range requests: 206, 416)' : 'Headers of an artifact: type, length, ranges',
      tags,
      params: hashParams,
      responses: {
        200: { description: 'the whole content', contentType: '*/*' },
        ...(method === 'get' ? ranged : {}),
        ...errors(400, 401, 404),
      },
      handle: ({ params, res }) => send(params.hash, res),
    });

  return [
    // HEAD first: Express would otherwise answer HEAD with the GET route, undocumented.
    bytes('head'),
    bytes('get'),
    defineRoute({
      method: 'get',
      path: '/api/artifacts/:hash/meta',
      summary: "An artifact's handle: media type, size, name and probed media metadata",
      tags,
      params: hashParams,
      responses: { 200: { description: 'the handle', schema: ref('ArtifactHandle') }, ...errors(400, 401, 404) },
      handle: ({ params }) => handleOf(params.hash),
    }),
    defineRoute({
      method: 'get',
      path: '/api/artifacts/:hash/link',
      summary: 'A signed, short-lived URL of the bytes for media elements (`<video src>`), which cannot send a token',
      description:
        'The URL is `/media/<hash>?exp=<unix seconds>&sig=<hex HMAC-SHA256>`; it needs no token, supports Range requests, and stops working at `expiresAt` or when the server restarts (ask again).',
      tags,
      params: hashParams,
      query: objectSchema({ ttl: withDefault(Type.Integer({ minimum: 1, maximum: MAX_LINK_TTL_S, description: 'seconds the link stays valid' }), DEFAULT_LINK_TTL_S) }),
      responses: {
        200: {
          description: 'the link',
          schema: { type: 'object', required: ['url', 'expiresAt'], properties: { url: { type: 'string' }, expiresAt: { type: 'integer', description: 'unix seconds' } } },
        },
        ...errors(400, 401, 404),
      },
      handle: async ({ params, query }) => {
        await handleOf(params.hash);
        return signer.link(params.hash, query.ttl);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/media/:hash',
      summary: 'The bytes of an artifact through a signed link from `/api/artifacts/{hash}/link` (supports Range requests: 206, 416)',
      tags,
      access: 'public',
      params: hashParams,
      query: objectSchema({ exp: Type.Integer({ minimum: 0 }), sig: Type.String({ maxLength: 128 }) }),
      responses: {
        200: { description: 'the whole content', contentType: '*/*' },
        ...ranged,
        ...errors(400, 404),
        403: { description: 'the signature is wrong or the link has expired', schema: ref('Error') },
      },
      handle: ({ params, query, res }) => {
        if (!signer.verify(params.hash, query.exp, query.sig)) throw new HttpError(403, 'LINK_INVALID', 'the media link is invalid or has expired; ask for a new one');
        return send(params.hash, res);
      },
    }),
  ];
}

/**
 * Artifacts by content hash: the bytes with their media type and HTTP Range
 * support (video seeking), and the handle's metadata.
 */
import type { Response } from 'express';
import { basename } from 'node:path';
import type { ArtifactHandle } from '../../runtime/contract/artifacts.js';
import type { ServerContext } from '../context.js';
import { notFound } from '../errors.js';
import { defineRoute, objectSchema, type AnyRoute, type ResponseSpec, type Route } from '../route.js';
import { errors, ref } from '../schemas.js';

const tags = ['artifacts'];
const ranged: Record<number, ResponseSpec> = { 206: { description: 'the requested range', contentType: '*/*' }, 416: { description: 'range not satisfiable' } };
const hashParams = objectSchema({ hash: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256, lowercase hex' } }, ['hash']);

export function artifactRoutes(ctx: ServerContext): AnyRoute[] {
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

  const bytes = (method: 'get' | 'head'): Route<{ hash: string }> => ({
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
    defineRoute<{ hash: string }>({
      method: 'get',
      path: '/api/artifacts/:hash/meta',
      summary: "An artifact's handle: media type, size, name and probed media metadata",
      tags,
      params: hashParams,
      responses: { 200: { description: 'the handle', schema: ref('ArtifactHandle') }, ...errors(400, 401, 404) },
      handle: ({ params }) => handleOf(params.hash),
    }),
  ] as AnyRoute[];
}

/**
 * A run's deliverables (server/deliverables.ts): the list with signed URLs,
 * each file as a named download with its type and Range support, and one
 * streamed zip of the whole package.
 *
 * Browsers cannot send the bearer token from `<a href download>` or `<video
 * src>`, so the list carries signed, short-lived twins under `/media/runs/…`
 * (the same HMAC key as the artifact links, server/media-links.ts). A signed
 * URL names one run, one file and one disposition; it cannot be bent to
 * another.
 *
 * The zip is streamed, never built in memory or on disk, and its entries are
 * stored, not deflated: the video and audio are compressed already, the
 * text files are a few KB, and a stored zip's size is known before it starts,
 * so the download gets a Content-Length (and the browser a progress bar).
 */
import type { Response } from 'express';
import { runId, withDefault } from '../../runtime/contract/api-requests.js';
import type { RunDeliverables } from '../../runtime/contract/deliverables.js';
import { Type } from '../../runtime/contract/typebox.js';
import type { RunDetail } from '../../runtime/store/types.js';
import type { ServerContext } from '../context.js';
import { localPathOf, runPackage, type DeliverableSource, type RunPackage } from '../deliverables.js';
import { HttpError, notFound } from '../errors.js';
import { MAX_LINK_TTL_S } from '../media-links.js';
import { defineRoute, objectSchema, type AnyRoute, type ResponseSpec } from '../route.js';
import { errors, ref } from '../schemas.js';
import { contentDisposition, sendZip } from '../zip-response.js';

const tags = ['runs', 'deliverables'];
const fileName = Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: "a deliverable's `name`" });
const ranged: Record<number, ResponseSpec> = { 206: { description: 'the requested range', contentType: '*/*' }, 416: { description: 'range not satisfiable' } };
const signedQuery = objectSchema({ exp: Type.Integer({ minimum: 0 }), sig: Type.String({ maxLength: 128 }) });
const forbidden = { 403: { description: 'the signature is wrong or the link has expired', schema: ref('Error') } };

type Disposition = 'download' | 'inline';

/**
 * The deliverables' links outlive the artifact links (1 h): a Run panel left
 * open over lunch must still download. Each link names one file of one run.
 */
const DELIVERABLE_LINK_TTL_S = 12 * 3600;

/** Deliverable names are ASCII letters, digits, dots and hyphens (see fileStem), so the quoted form is exact everywhere. */
const subjectOf = (id: string, disposition: Disposition | 'package', name: string): string => `run/${id}/${disposition}/${name}`;

export function deliverableRoutes(ctx: ServerContext, signer = ctx.mediaSigner): AnyRoute[] {
  const { store, artifacts } = ctx.workspace;

  async function packageOf(id: string): Promise<{ run: RunDetail; pkg: RunPackage }> {
    const run = await store.getRun(id);
    if (!run) throw notFound(`run "${id}"`);
    return { run, pkg: await runPackage(run) };
  }

  const signedUrl = (id: string, disposition: Disposition | 'package', name: string, ttl: number): string => {
    const { exp, sig } = signer.sign(subjectOf(id, disposition, name), ttl);
    return `/media/runs/${encodeURIComponent(id)}/${disposition}/${encodeURIComponent(name)}?exp=${exp}&sig=${sig}`;
  };

  function listing(id: string, pkg: RunPackage, ttl: number): RunDeliverables {
    return {
      runId: id,
      deliverables: pkg.deliverables.map(({ source: _source, ...deliverable }) => ({
        ...deliverable,
        downloadUrl: signedUrl(id, 'download', deliverable.name, ttl),
        inlineUrl: signedUrl(id, 'inline', deliverable.name, ttl),
      })),
      ...(pkg.primary ? { primary: pkg.primary } : {}),
      ...(pkg.packageName ? { packageName: pkg.packageName, packageUrl: signedUrl(id, 'package', pkg.packageName, ttl) } : {}),
    };
  }

  async function sendDeliverable(id: string, name: string, disposition: Disposition, res: Response): Promise<void> {
    const { pkg } = await packageOf(id);
    const deliverable = pkg.deliverables.find((candidate) => candidate.name === name);
    if (!deliverable) throw notFound(`deliverable "${name}" of run "${id}"`);
    await sendFile(deliverable, disposition, res);
  }

  async function sendFile(deliverable: DeliverableSource, disposition: Disposition, res: Response): Promise<void> {
    const path = await localPathOf(artifacts, deliverable.source);
    res.set('Content-Disposition', contentDisposition(disposition === 'download' ? 'attachment' : 'inline', deliverable.name));
    await new Promise<void>((resolve, reject) => {
      res.sendFile(path, { headers: { 'Content-Type': deliverable.mime, 'Cache-Control': 'private, max-age=3600' }, acceptRanges: true, etag: true, lastModified: false, dotfiles: 'allow' }, (error) => {
        if (error && !res.headersSent) reject(error);
        else resolve();
      });
    });
  }

  async function sendPackage(id: string, res: Response, name?: string): Promise<void> {
    const { run, pkg } = await packageOf(id);
    if (!pkg.packageName || pkg.entries.length === 0) throw new HttpError(404, 'NO_DELIVERABLES', `run "${id}" has no deliverables (yet)`);
    if (name !== undefined && name !== pkg.packageName) throw notFound(`package "${name}" of run "${id}"`);
    await sendZip(res, { name: pkg.packageName, mtime: new Date(run.finishedAt ?? run.createdAt), entries: pkg.entries, artifacts, logger: ctx.logger, about: { runId: id } });
  }

  const verified = (id: string, disposition: Disposition | 'package', name: string, query: { exp: number; sig: string }): void => {
    if (!signer.verify(subjectOf(id, disposition, name), query.exp, query.sig)) {
      throw new HttpError(403, 'LINK_INVALID', 'the download link is invalid or has expired; list the deliverables again for a new one');
    }
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/runs/:id/deliverables',
      summary: "A run's deliverables: final video first, each a named file with its type, plus one zip of the whole package",
      description:
        'Built from the run outputs: artifacts (the rendered video, thumbnails, clips) and the files export.package wrote (captions, chapters, OpenTimelineIO and FCPXML with their media). An unfinished run lists what exists so far. `downloadUrl`, `inlineUrl` and `packageUrl` are signed and need no token (for `<a href download>` and `<video src>`); they expire after `ttl` seconds.',
      tags,
      params: objectSchema({ id: runId }),
      query: objectSchema({ ttl: withDefault(Type.Integer({ minimum: 1, maximum: MAX_LINK_TTL_S, description: 'seconds the signed URLs stay valid' }), DELIVERABLE_LINK_TTL_S) }),
      responses: { 200: { description: 'the deliverables', schema: ref('RunDeliverables') }, ...errors(400, 401, 404) },
      handle: async ({ params, query }) => listing(params.id, (await packageOf(params.id)).pkg, query.ttl),
    }),
    defineRoute({
      method: 'get',
      path: '/api/runs/:id/deliverables/:name',
      summary: 'One deliverable as a download (Content-Disposition: attachment with its file name; supports Range requests: 206, 416)',
      tags,
      params: objectSchema({ id: runId, name: fileName }),
      responses: { 200: { description: 'the file', contentType: '*/*' }, ...ranged, ...errors(400, 401, 404) },
      handle: ({ params, res }) => sendDeliverable(params.id, params.name, 'download', res),
    }),
    defineRoute({
      method: 'get',
      path: '/api/runs/:id/package.zip',
      summary: 'Every deliverable in one zip, streamed; the OTIO/FCPXML open from the unpacked folder (their media are inside)',
      description: 'The zip holds one folder named like the deliverables, laid out as the run wrote them: the video, captions, thumbnail, chapters, timelines and `media/`. Entries are stored, not compressed (the media are compressed already); the response has a Content-Length.',
      tags,
      params: objectSchema({ id: runId }),
      responses: { 200: { description: 'the zip', contentType: 'application/zip' }, ...errors(400, 401, 404) },
      handle: ({ params, res }) => sendPackage(params.id, res),
    }),
    ...(['download', 'inline'] as const).map((disposition) =>
      defineRoute({
        method: 'get',
        path: `/media/runs/:id/${disposition}/:name`,
        summary:
          disposition === 'download'
            ? 'A deliverable through its signed `downloadUrl` (attachment; supports Range requests)'
            : 'A deliverable through its signed `inlineUrl`, for players and previews (inline; supports Range requests)',
        tags,
        access: 'public',
        params: objectSchema({ id: runId, name: fileName }),
        query: signedQuery,
        responses: { 200: { description: 'the file', contentType: '*/*' }, ...ranged, ...errors(400, 404), ...forbidden },
        handle: ({ params, query, res }) => {
          verified(params.id, disposition, params.name, query);
          return sendDeliverable(params.id, params.name, disposition, res);
        },
      }),
    ),
    defineRoute({
      method: 'get',
      path: '/media/runs/:id/package/:name',
      summary: 'The package zip through its signed `packageUrl`',
      tags,
      access: 'public',
      params: objectSchema({ id: runId, name: fileName }),
      query: signedQuery,
      responses: { 200: { description: 'the zip', contentType: 'application/zip' }, ...errors(400, 404), ...forbidden },
      handle: ({ params, query, res }) => {
        verified(params.id, 'package', params.name, query);
        return sendPackage(params.id, res, params.name);
      },
    }),
  ];
}

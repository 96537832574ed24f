/**
 * A season's archive: one streamed zip with every episode's deliverables from
 * its latest finished (`done`) run, each episode in its own folder named by
 * its number and the run's package folder (`e01-<base>/…`), laid out as the
 * run's own package zip (server/deliverables.ts `runPackage`), so the
 * OTIO/FCPXML of each episode still open from its unpacked folder. A
 * `manifest.json` at the top says which run each folder came from and which
 * episodes were left out (never rendered to the end) and why.
 *
 * Served as a run's package is (server/routes/deliverables.ts): stored
 * entries of known sizes, so the response has a Content-Length; files are
 * opened only when the zip reaches them and closed when the client leaves.
 * The browser cannot send the token from `<a href download>`, so
 * `…/package/link` gives a signed, short-lived `/media/series/…` twin.
 */
import type { Response } from 'express';
import { withDefault } from '../../runtime/contract/api-requests.js';
import type { EpisodeRecord } from '../../runtime/contract/series.js';
import { Type } from '../../runtime/contract/typebox.js';
import type { ServerContext } from '../context.js';
import { runPackage, type PackageEntry } from '../deliverables.js';
import { HttpError, notFound } from '../errors.js';
import { MAX_LINK_TTL_S } from '../media-links.js';
import { defineRoute, objectSchema, type AnyRoute } from '../route.js';
import { errors, ref } from '../schemas.js';
import { sendZip } from '../zip-response.js';

const tags = ['series', 'deliverables'];
const seriesParams = objectSchema({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const signedQuery = objectSchema({ exp: Type.Integer({ minimum: 0 }), sig: Type.String({ maxLength: 128 }) });
const archiveName = Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'the archive\'s `name`' });

/** As long as a run's deliverable links: a board left open must still download. */
const ARCHIVE_LINK_TTL_S = 12 * 3600;

/** What the archive says about each episode, in `manifest.json`. */
interface ArchivedEpisode {
  number: number;
  title: string;
  folder: string;
  runId: string;
  scriptVersion: number;
  finishedAt?: number;
}
interface SkippedEpisode {
  number: number;
  title: string;
  status: EpisodeRecord['status'];
  reason: string;
}

interface SeasonArchive {
  name: string;
  mtime: Date;
  entries: Array<PackageEntry & { episode: number }>;
  manifest: { series: { id: string; name: string; graphId: string }; episodes: ArchivedEpisode[]; skipped: SkippedEpisode[] };
}

const subjectOf = (id: string, name: string): string => `series/${id}/package/${name}`;

export function seriesPackageRoutes(ctx: ServerContext, signer = ctx.mediaSigner): AnyRoute[] {
  const { store, series, artifacts } = ctx.workspace;

  /** The newest `done` run of the episode, with its script version (runs are listed newest first). */
  async function latestDoneRun(episode: EpisodeRecord): Promise<{ run: NonNullable<Awaited<ReturnType<typeof store.getRun>>>; scriptVersion: number } | undefined> {
    for (const linked of await series.runsOf(episode.id)) {
      const run = await store.getRun(linked.runId);
      if (run?.status === 'done') return { run, scriptVersion: linked.scriptVersion };
    }
    return undefined;
  }

  async function archiveOf(id: string): Promise<SeasonArchive> {
    const found = await series.get(id);
    const episodes = await series.episodes(id);
    // e01 … e99, or e001 … when a series runs past 99: folders sort in episode order.
    const digits = Math.max(2, String(episodes.at(-1)?.number ?? 1).length);
    const archive: SeasonArchive = { name: `${found.id}.zip`, mtime: new Date(0), entries: [], manifest: { series: { id: found.id, name: found.name, graphId: found.graphId }, episodes: [], skipped: [] } };
    for (const episode of episodes) {
      const skip = (reason: string): void => void archive.manifest.skipped.push({ number: episode.number, title: episode.title, status: episode.status, reason });
      const done = await latestDoneRun(episode);
      if (!done) {
        skip(episode.lastRun ? `no finished run (latest: ${episode.lastRun.status})` : 'never rendered');
        continue;
      }
      const pkg = await runPackage(done.run);
      if (pkg.entries.length === 0) {
        skip(`run ${done.run.id} delivered nothing`);
        continue;
      }
      const folder = `e${String(episode.number).padStart(digits, '0')}-${pkg.base}`;
      // Each run's entries sit under its `base/` folder: the episode's folder replaces it.
      for (const entry of pkg.entries) archive.entries.push({ ...entry, episode: episode.number, zipPath: `${folder}/${entry.zipPath.slice(pkg.base.length + 1)}` });
      archive.manifest.episodes.push({
        number: episode.number,
        title: episode.title,
        folder,
        runId: done.run.id,
        scriptVersion: done.scriptVersion,
        ...(done.run.finishedAt !== undefined ? { finishedAt: done.run.finishedAt } : {}),
      });
      const finished = done.run.finishedAt ?? done.run.createdAt;
      if (finished > archive.mtime.getTime()) archive.mtime = new Date(finished);
    }
    if (archive.entries.length === 0) throw new HttpError(404, 'NO_DELIVERABLES', `no episode of series "${id}" has a finished render (yet)`);
    return archive;
  }

  async function sendArchive(id: string, res: Response, name?: string): Promise<void> {
    const archive = await archiveOf(id);
    if (name !== undefined && name !== archive.name) throw notFound(`archive "${name}" of series "${id}"`);
    await sendZip(res, {
      name: archive.name,
      mtime: archive.mtime,
      entries: archive.entries,
      extra: [{ zipPath: 'manifest.json', data: Buffer.from(`${JSON.stringify(archive.manifest, null, 2)}\n`) }],
      artifacts,
      logger: ctx.logger,
      about: { seriesId: id },
    });
  }

  return [
    defineRoute({
      method: 'get',
      path: '/api/series/:id/package',
      summary: "The season's archive: one zip with every episode's deliverables from its latest finished run, each episode in its own folder",
      description:
        'Folders are `e01-<base>/`, `e02-<base>/`, … laid out as each run\'s own package zip (`GET /api/runs/{id}/package.zip`). `manifest.json` names the run each folder came from and the episodes left out (no finished run). Entries are stored, not compressed; the response has a Content-Length. 404 `NO_DELIVERABLES` when no episode has a finished run.',
      tags,
      params: seriesParams,
      responses: { 200: { description: 'the zip', contentType: 'application/zip' }, ...errors(401, 404) },
      handle: ({ params, res }) => sendArchive(params.id, res),
    }),
    defineRoute({
      method: 'get',
      path: '/api/series/:id/package/link',
      summary: "A signed link to the season's archive, for `<a href download>` (no token needed)",
      tags,
      params: seriesParams,
      query: objectSchema({ ttl: withDefault(Type.Integer({ minimum: 1, maximum: MAX_LINK_TTL_S, description: 'seconds the signed URL stays valid' }), ARCHIVE_LINK_TTL_S) }),
      responses: {
        200: {
          description: 'the archive\'s file name and signed URL',
          schema: { type: 'object', required: ['name', 'url'], properties: { name: { type: 'string' }, url: { type: 'string' } } },
        },
        ...errors(400, 401, 404),
      },
      handle: async ({ params, query }) => {
        const found = await series.get(params.id);
        const name = `${found.id}.zip`;
        const { exp, sig } = signer.sign(subjectOf(found.id, name), query.ttl);
        return { name, url: `/media/series/${encodeURIComponent(found.id)}/package/${encodeURIComponent(name)}?exp=${exp}&sig=${sig}` };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/media/series/:id/package/:name',
      summary: "The season's archive through its signed link",
      tags,
      access: 'public',
      params: objectSchema({ id: Type.String({ minLength: 1, maxLength: 64 }), name: archiveName }),
      query: signedQuery,
      responses: {
        200: { description: 'the zip', contentType: 'application/zip' },
        ...errors(400, 404),
        403: { description: 'the signature is wrong or the link has expired', schema: ref('Error') },
      },
      handle: ({ params, query, res }) => {
        if (!signer.verify(subjectOf(params.id, params.name), query.exp, query.sig)) {
          throw new HttpError(403, 'LINK_INVALID', 'the download link is invalid or has expired; ask for a new one');
        }
        return sendArchive(params.id, res, params.name);
      },
    }),
  ];
}

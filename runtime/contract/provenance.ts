/**
 * The recipe inside every rendered video: which graph (id, version, the
 * resolved document's hash), which run, which episode (title, its source's
 * hash) and which reelgraph made it — as ComfyUI embeds its workflow in a
 * PNG. The export package writes it into the MP4's container metadata (one
 * `reelgraph` tag holding this JSON) and the resolved graph beside it as
 * `graph.json`; `reelgraph inspect FILE.mp4` reads it back.
 */
import type { ArtifactHandle } from './artifacts.js';
import { Type, type Static } from './typebox.js';

/** What a unit knows of the run it belongs to (`NodeContext.run`). */
export interface RunProvenance {
  /** reelgraph's version (package.json). */
  reelgraph: string;
  graph: {
    /** A stored graph's id, or the graph file's `id`. */
    id?: string;
    /** The stored version the run was started from. */
    version?: number;
    name: string;
    /** The resolved graph document the run executes (variants applied), as JSON in the artifact store. */
    document?: ArtifactHandle;
  };
}

export const PROVENANCE_FORMAT = 'reelgraph/provenance';
/** The container metadata key the JSON is written under. */
export const PROVENANCE_TAG = 'reelgraph';

export const provenance = Type.Object({
  format: Type.Literal(PROVENANCE_FORMAT),
  version: Type.Literal(1),
  reelgraph: Type.String({ description: 'the reelgraph version that rendered the file' }),
  runId: Type.String(),
  graph: Type.Object({
    id: Type.Optional(Type.String()),
    version: Type.Optional(Type.Integer()),
    name: Type.String(),
    sha256: Type.Optional(Type.String({ description: 'hash of the resolved graph JSON (graph.json in the package; the artifact store keeps it under this hash)' })),
  }),
  episode: Type.Optional(
    Type.Object({
      title: Type.Optional(Type.String()),
      series: Type.Optional(Type.String()),
      episode: Type.Optional(Type.Union([Type.Integer(), Type.String()])),
      sha256: Type.Optional(Type.String({ description: "hash of the episode's source text" })),
    }),
  ),
  createdAt: Type.String({ description: 'ISO time the file was packaged' }),
});
export type Provenance = Static<typeof provenance>;

/**
 * A finished (or running) run's deliverables as a producer downloads them:
 * named files with the right content type, plus one zip of the whole package.
 * The server builds these from the run's outputs (server/deliverables.ts);
 * the editor's Run panel shows them. Browser-safe: types only.
 */
export const deliverableKinds = ['video', 'audio', 'image', 'captions', 'timeline', 'data', 'other'] as const;
export type DeliverableKind = (typeof deliverableKinds)[number];

export interface Deliverable {
  /** The file name a download gets, e.g. "the-signal.mp4" / "the-signal.en.srt"; unique within the run. */
  name: string;
  /** The graph output (or output path) it came from, e.g. "video", "captions.srt". */
  output: string;
  kind: DeliverableKind;
  mime: string;
  bytes: number;
  hash: string;
  /** Signed, short-lived URL that downloads it as an attachment (needs no token: works in <a href download>). */
  downloadUrl: string;
  /** Signed URL for inline playback/preview (<video src>, <img src>). */
  inlineUrl: string;
}

export interface RunDeliverables {
  runId: string;
  /** Final video first, then the rest in a stable order. */
  deliverables: Deliverable[];
  /** `name` of the final video, when there is one. */
  primary?: string;
  /** Signed URL of a zip of the whole package (every deliverable; OTIO/FCPXML with the media they reference). */
  packageUrl?: string;
  /** File name of that zip. */
  packageName?: string;
}

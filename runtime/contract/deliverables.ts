/**
 * A finished (or running) run's deliverables as a producer downloads them:
 * named files with the right content type, plus one zip of the whole package.
 * The server builds these from the run's outputs (server/deliverables.ts);
 * the editor's Run panel shows them.
 */
import { Type, type Static } from './typebox.js';

export const deliverableKinds = ['video', 'audio', 'image', 'captions', 'timeline', 'data', 'other'] as const;
export type DeliverableKind = (typeof deliverableKinds)[number];

export const deliverable = Type.Object({
  name: Type.String({ description: 'the file name a download gets, e.g. `the-signal.mp4`, `the-signal.en.srt`; unique within the run' }),
  output: Type.String({ description: 'the graph output (or output path) it came from, e.g. `video`, `captions.srt`' }),
  kind: Type.StringEnum(deliverableKinds),
  mime: Type.String(),
  bytes: Type.Integer(),
  hash: Type.String({ description: 'SHA-256 of the content' }),
  downloadUrl: Type.String({ description: 'signed, short-lived URL that downloads it as an attachment (needs no token: works in <a href download>)' }),
  inlineUrl: Type.String({ description: 'signed URL for inline playback and previews (<video src>, <img src>)' }),
});
export type Deliverable = Static<typeof deliverable>;

export const runDeliverables = Type.Object({
  runId: Type.String(),
  deliverables: Type.Array(deliverable, { description: 'the final video first, then the rest in a stable order' }),
  primary: Type.Optional(Type.String({ description: '`name` of the final video, when there is one' })),
  packageUrl: Type.Optional(Type.String({ description: 'signed URL of a zip of the whole package (every deliverable; OTIO/FCPXML with the media they reference)' })),
  packageName: Type.Optional(Type.String({ description: 'file name of that zip' })),
});
export type RunDeliverables = Static<typeof runDeliverables>;

/**
 * Timeline → OpenTimelineIO JSON, for finishing an episode by hand in an
 * editor (Resolve, Premiere and Avid through OTIO's adapters).
 *
 * Schema versions are the ones every released OTIO reads: a reader refuses a
 * version newer than its own (SCHEMA_VERSION_UNSUPPORTED) and upgrades older
 * ones, so `Marker.2` (colour as a name) rather than the unreleased `Marker.3`,
 * and `Clip.2` (`media_references` keyed by `DEFAULT_MEDIA`).
 *
 * A transition plays at the start of the clip it leads into, so it overlaps
 * none of the incoming clip's cut-away media (`in_offset` 0) and all of its
 * own length into what follows (`out_offset`).
 */
import type { ArtifactHandle, Timeline } from '../../runtime/contract/index.js';
import { framesWithin, layoutTimeline, namedRanges, type DrawnTransition, type FrameRate, type Lane, type Medium, type PlacedClip } from './layout.js';

export type OtioObject = { OTIO_SCHEMA: string; [field: string]: unknown };

export interface RenderedReference {
  /** The finished video and where it sits relative to the .otio file. */
  video: { handle: ArtifactHandle; url: string };
  /**
   * Audio stems of the mix (dialogue, music, …), when the render kept them:
   * each its own file, even when two hold the same bytes (silent stems).
   * `gainDb` is the clip gain that brings a stem written with headroom back
   * to its level in the mix.
   */
  stems: Array<{ name: string; handle: ArtifactHandle; url: string; gainDb?: number }>;
}

export interface OtioOptions {
  /** Where an artifact sits relative to the .otio file (a relative URL). */
  mediaUrl(handle: ArtifactHandle): string;
  rendered?: RenderedReference;
}

export interface OtioResult {
  timeline: OtioObject;
  warnings: string[];
}

const trackKinds: Record<Medium, string> = { video: 'Video', audio: 'Audio' };

const transitionTypes: Record<DrawnTransition, string> = {
  crossfade: 'SMPTE_Dissolve',
  dip: 'Custom_Transition',
  glitch: 'Custom_Transition',
};

const markerColours: Record<'scene' | 'marker', string> = { scene: 'GREEN', marker: 'RED' };

const time = (frames: number, rate: FrameRate): OtioObject => ({ OTIO_SCHEMA: 'RationalTime.1', rate: rate.fps, value: frames });

const range = (start: number, frames: number, rate: FrameRate): OtioObject => ({
  OTIO_SCHEMA: 'TimeRange.1',
  duration: time(frames, rate),
  start_time: time(start, rate),
});

const itemFields = { effects: [], markers: [], enabled: true };

function gap(frames: number, rate: FrameRate): OtioObject {
  return { OTIO_SCHEMA: 'Gap.1', name: '', metadata: {}, source_range: range(0, frames, rate), ...itemFields };
}

function externalReference(handle: ArtifactHandle, url: string, rate: FrameRate, name = handle.name ?? url): OtioObject {
  const still = handle.mime.startsWith('image/') || handle.duration === undefined;
  return {
    OTIO_SCHEMA: 'ExternalReference.1',
    name,
    metadata: { reelgraph: { hash: handle.hash, mime: handle.mime } },
    // Whole frames that exist: a clip cut to this range never plays past the end of the file.
    available_range: still ? null : range(0, framesWithin(handle.duration!, rate), rate),
    available_image_bounds: null,
    target_url: url,
  };
}

function clip(name: string, reference: OtioObject, sourceIn: number, frames: number, rate: FrameRate, metadata: Record<string, unknown>, enabled = true): OtioObject {
  return {
    OTIO_SCHEMA: 'Clip.2',
    name,
    metadata: { reelgraph: metadata },
    source_range: range(sourceIn, frames, rate),
    ...itemFields,
    enabled,
    media_references: { DEFAULT_MEDIA: reference },
    active_media_reference_key: 'DEFAULT_MEDIA',
  };
}

function clipOf(placed: PlacedClip, options: OtioOptions, rate: FrameRate): OtioObject {
  const { clip: source } = placed;
  const name = placed.pass > 0 ? `${source.id} (loop ${placed.pass + 1})` : source.id;
  const details = Object.fromEntries(
    // OTIO has no standard placement: a picture smaller than the frame says where its top-left corner goes here (FCPXML places it).
    Object.entries({ id: source.id, sceneId: source.sceneId, segmentId: source.segmentId, speaker: source.speaker, text: source.text, gainDb: source.gainDb, position: source.position }).filter(([, value]) => value !== undefined),
  );
  return clip(name, externalReference(placed.media, options.mediaUrl(placed.media), rate), placed.sourceIn, placed.frames, rate, details);
}

function transition(kind: DrawnTransition, frames: number, rate: FrameRate): OtioObject {
  return {
    OTIO_SCHEMA: 'Transition.1',
    name: kind,
    metadata: { reelgraph: { kind } },
    in_offset: time(0, rate),
    out_offset: time(frames, rate),
    transition_type: transitionTypes[kind],
  };
}

function track(name: string, medium: Medium, children: OtioObject[], metadata: Record<string, unknown>, enabled = true): OtioObject {
  return { OTIO_SCHEMA: 'Track.1', name, metadata: { reelgraph: metadata }, source_range: null, ...itemFields, enabled, kind: trackKinds[medium], children };
}

/** A lane's clips with gaps for the holes and a trailing gap, so every track lasts as long as the timeline. */
function laneChildren(lane: Lane, total: number, options: OtioOptions, rate: FrameRate): OtioObject[] {
  const children: OtioObject[] = [];
  let cursor = 0;
  for (const placed of lane.clips) {
    if (placed.start > cursor) children.push(gap(placed.start - cursor, rate));
    // A transition needs a neighbour on its left (a clip, or a gap to fade from): at frame 0 there is none.
    if (placed.transitionIn && placed.start > 0) children.push(transition(placed.transitionIn.kind, placed.transitionIn.frames, rate));
    children.push(clipOf(placed, options, rate));
    cursor = placed.start + placed.frames;
  }
  if (total > cursor) children.push(gap(total - cursor, rate));
  return children;
}

/** The last part of a relative URL, as a file name. */
const fileNameOf = (url: string): string => decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));

/**
 * The finished render and its stems as disabled tracks: there to compare
 * against, never mixed in twice. A stem's reference is named after its own
 * file (the store may hold two silent stems as one blob under the first
 * one's name), and its clip gain is in the metadata: OTIO has no standard
 * volume effect.
 */
function referenceTracks(rendered: RenderedReference, total: number, rate: FrameRate): OtioObject[] {
  const whole = (handle: ArtifactHandle, url: string, name: string, medium: Medium, details: Record<string, unknown>, referenceName?: string): OtioObject => {
    const frames = Math.min(total, framesWithin(handle.duration ?? 0, rate));
    const children = [clip(name, externalReference(handle, url, rate, referenceName), 0, frames, rate, details), ...(total > frames ? [gap(total - frames, rate)] : [])];
    return track(name, medium, children, details, false);
  };
  return [
    whole(rendered.video.handle, rendered.video.url, 'Rendered video', 'video', { role: 'reference' }),
    ...rendered.stems.map((stem) =>
      whole(stem.handle, stem.url, `Stem: ${stem.name}`, 'audio', { role: 'reference', stem: stem.name, ...(stem.gainDb ? { gainDb: stem.gainDb } : {}) }, fileNameOf(stem.url)),
    ),
  ];
}

export function toOtio(timeline: Timeline, options: OtioOptions): OtioResult {
  const layout = layoutTimeline(timeline);
  const { rate, frames } = layout;
  const markers = namedRanges(timeline, rate).map((named) => ({
    OTIO_SCHEMA: 'Marker.2',
    name: named.name,
    metadata: { reelgraph: { kind: named.kind, ...(named.sceneId ? { sceneId: named.sceneId } : {}) } },
    marked_range: range(named.start, named.frames, rate),
    color: markerColours[named.kind],
  }));
  // Later tracks sit on top in OTIO: references at the bottom, overlays above the picture.
  const tracks = [
    ...(options.rendered ? referenceTracks(options.rendered, frames, rate) : []),
    ...layout.lanes.map((lane) => track(lane.name, lane.medium, laneChildren(lane, frames, options, rate), { kind: lane.kind })),
  ];
  return {
    timeline: {
      OTIO_SCHEMA: 'Timeline.1',
      name: timeline.title,
      metadata: { reelgraph: { width: timeline.width, height: timeline.height, fps: timeline.fps } },
      global_start_time: time(0, rate),
      tracks: { OTIO_SCHEMA: 'Stack.1', name: 'tracks', metadata: {}, source_range: null, effects: [], markers, enabled: true, children: tracks },
    },
    warnings: layout.warnings,
  };
}

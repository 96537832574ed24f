/**
 * Scene lengths from the real media: each scene lasts as long as what
 * happens in it — voiced lines at their measured durations, terminal
 * animations at theirs, pauses as written — plus breathing room. Both the
 * scene prompts (so visuals are rendered at the right length) and the
 * timeline use this one plan, so they always agree. Times are snapped to
 * whole frames: chunk boundaries must fall on frames for the render to join
 * chunks without drift.
 */
import { Type, type AudioClip, type Overlay, type PlannedScene, type ScenePlan, type ScenePlanEvent, type Script, type Segment, type Static } from '../../runtime/contract/index.js';

export const defaultPacing = { leadIn: 0.5, gap: 0.25, tail: 0.75, minScene: 3 };

/** The pacing params (one definition: the node's schema and PacingOptions); spread into the node's `nodeParams`. */
export const pacingParams = {
  /** Seconds before the first event of a scene. */
  leadIn: Type.Number({ title: 'Lead-in (s)', minimum: 0, maximum: 10, default: defaultPacing.leadIn, description: 'Before the first line of each scene.' }),
  /** Seconds between consecutive events. */
  gap: Type.Number({ title: 'Gap between lines (s)', minimum: 0, maximum: 10, default: defaultPacing.gap }),
  /** Seconds after the last event of a scene. */
  tail: Type.Number({ title: 'Tail (s)', minimum: 0, maximum: 10, default: defaultPacing.tail, description: 'After the last line of each scene.' }),
  /** No scene is shorter than this. */
  minScene: Type.Number({ title: 'Shortest scene (s)', minimum: 0.5, maximum: 60, default: defaultPacing.minScene }),
};

export type PacingOptions = Static<ReturnType<typeof Type.Object<typeof pacingParams>>> & { fps: number };

/** The plan is the contract's ScenePlan (named here too for the tests that read one). */
export type { ScenePlan };

const snap = (seconds: number, fps: number): number => Math.round(seconds * fps) / fps;

/** How long a segment occupies the scene, from the best source available. */
function eventDuration(segment: Segment, audio: AudioClip | undefined, overlay: Overlay | undefined): number {
  if (audio?.duration !== undefined) return audio.duration;
  if (overlay?.duration !== undefined) return overlay.duration;
  if (segment.kind === 'cue') return segment.cue?.seconds ?? segment.timing.duration;
  // A terminal block lasts its scripted slot, as its overlay does: known before the overlay is drawn, so pacing (and the scenes after it) need not wait for it.
  return segment.timing.duration;
}

export function planScenes(script: Script, audio: readonly AudioClip[], overlays: readonly Overlay[], pacing: PacingOptions): ScenePlan {
  const audioBySegment = new Map(audio.filter((clip) => clip.segmentId).map((clip) => [clip.segmentId!, clip]));
  const overlayBySegment = new Map(overlays.filter((overlay) => overlay.segmentId).map((overlay) => [overlay.segmentId!, overlay]));
  const { fps } = pacing;
  const scenes: PlannedScene[] = [];
  let clock = 0;
  for (const scene of script.scenes) {
    const start = clock;
    const events: ScenePlanEvent[] = [];
    let cursor = start + pacing.leadIn;
    for (const segment of scene.segments) {
      const clip = audioBySegment.get(segment.id);
      const overlay = overlayBySegment.get(segment.id);
      const duration = eventDuration(segment, clip, overlay);
      // A zero-length cue (a glitch, a beat marker) takes no time and no gap.
      if (duration <= 0) {
        events.push({ segment, start: snap(cursor, fps), duration: 0 });
        continue;
      }
      if (events.some((event) => event.duration > 0)) cursor += pacing.gap;
      const at = snap(cursor, fps);
      events.push({ segment, start: at, duration, ...(clip ? { audio: clip } : {}), ...(overlay ? { overlay } : {}) });
      cursor = at + duration;
    }
    const content = events.length > 0 ? cursor + pacing.tail - start : scene.timing.duration;
    const duration = snap(Math.max(pacing.minScene, content), fps);
    scenes.push({ id: scene.id, index: scene.index, title: scene.title, start, duration, events });
    clock = snap(start + duration, fps);
  }
  return { scenes, duration: clock, fps };
}

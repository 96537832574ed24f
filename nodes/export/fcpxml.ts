/**
 * Timeline → FCPXML 1.10 (Final Cut Pro 10.6+, also read by Resolve).
 *
 * The first picture track is the primary storyline (the spine); every other
 * lane is connected to the spine item under its start: overlays on lanes
 * 1, 2, … above, audio on lanes −1, −2, … below, with FCP's built-in
 * dialogue/music/effects roles; the mix's stems, when given, hang below
 * them, disabled, with the clip gain that restores their level. A connected clip's `offset` is in its
 * parent's local time (the parent's `start` plus the distance from the
 * parent's own `offset`). Every time is a whole number of frames written as
 * rational seconds, so nothing lands between frames.
 */
import type { ArtifactHandle, Timeline, TrackKind } from '../../runtime/contract/index.js';
import { abuttingPrevious, frameRateOf, framesWithin, layoutTimeline, namedRanges, toFrames, type FrameRate, type Lane, type PlacedClip } from './layout.js';

export interface FcpxmlStem {
  name: string;
  handle: ArtifactHandle;
  /** Its own file, relative to the .fcpxml (two silent stems are the same bytes but two files). */
  url: string;
  /** The clip gain that brings a stem written with headroom back to its level in the mix. */
  gainDb?: number;
}

export interface FcpxmlOptions {
  /** Where an artifact sits relative to the .fcpxml file (a relative URL). */
  mediaUrl(handle: ArtifactHandle): string;
  /** The mix's stems: connected below everything else, disabled (there to compare against or swap in, never heard twice). */
  stems?: FcpxmlStem[];
}

export interface FcpxmlResult {
  xml: string;
  warnings: string[];
}

const audioRoles: Partial<Record<TrackKind, string>> = { dialogue: 'dialogue', music: 'music', effects: 'effects' };

/** Effects FCP ships, by the ids its own exports use. */
const builtinEffects = {
  crossDissolve: { name: 'Cross Dissolve', uid: 'FxPlug:4731E73A-8DAC-4113-9A30-AE85B1761265' },
  audioCrossfade: { name: 'Audio Crossfade', uid: 'FFAudioTransition' },
} as const;

type Attributes = Record<string, string | number | undefined>;

interface XmlElement {
  name: string;
  attributes: Attributes;
  children: XmlElement[];
}

const element = (name: string, attributes: Attributes = {}, children: XmlElement[] = []): XmlElement => ({ name, attributes, children });

// XML 1.0 allows tab, newline and carriage return among the control characters, and nothing else.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

const escapeAttribute = (value: string): string =>
  value.replace(FORBIDDEN, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');

function serialise(node: XmlElement, depth = 0): string {
  const indent = '    '.repeat(depth);
  const attributes = Object.entries(node.attributes)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => ` ${key}="${escapeAttribute(String(value))}"`)
    .join('');
  if (node.children.length === 0) return `${indent}<${node.name}${attributes}/>`;
  return [`${indent}<${node.name}${attributes}>`, ...node.children.map((child) => serialise(child, depth + 1)), `${indent}</${node.name}>`].join('\n');
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Rational seconds in lowest terms: 45 frames at 30 fps is `3/2s`, at 29.97 `3003/2000s`. */
export function rationalSeconds(frames: number, rate: FrameRate): string {
  if (frames === 0) return '0s';
  const num = frames * rate.den;
  const divisor = gcd(Math.abs(num), rate.num);
  const [top, bottom] = [num / divisor, rate.num / divisor];
  return bottom === 1 ? `${top}s` : `${top}/${bottom}s`;
}

/** Formats and assets, one per distinct picture format and per media file. */
class Resources {
  readonly elements: XmlElement[] = [];
  private readonly formats = new Map<string, string>();
  private readonly assets = new Map<string, string>();
  private readonly effects = new Map<string, string>();
  private next = 1;

  constructor(
    private readonly rate: FrameRate,
    private readonly mediaUrl: (handle: ArtifactHandle) => string,
  ) {}

  private id(): string {
    return `r${this.next++}`;
  }

  format(width: number, height: number, rate: FrameRate | undefined): string {
    const key = `${width}x${height}@${rate ? `${rate.num}/${rate.den}` : 'still'}`;
    let id = this.formats.get(key);
    if (!id) {
      id = this.id();
      this.formats.set(key, id);
      this.elements.push(element('format', { id, frameDuration: rate ? rationalSeconds(1, rate) : undefined, width, height, colorSpace: '1-1-1 (Rec. 709)' }));
    }
    return id;
  }

  effect(effect: { name: string; uid: string }): string {
    let id = this.effects.get(effect.uid);
    if (!id) {
      id = this.id();
      this.effects.set(effect.uid, id);
      this.elements.push(element('effect', { id, name: effect.name, uid: effect.uid }));
    }
    return id;
  }

  /** One asset per file: by default the artifact's own (`mediaUrl`), or a file of its own. */
  asset(handle: ArtifactHandle, own?: { url: string; name: string }): string {
    const url = own?.url ?? this.mediaUrl(handle);
    let id = this.assets.get(url);
    if (id) return id;
    const still = handle.mime.startsWith('image/');
    const picture = still || handle.mime.startsWith('video/');
    const sound = handle.mime.startsWith('audio/') || handle.channels !== undefined;
    const ownRate = still ? undefined : frameRateOf(handle.frameRate ?? this.rate.fps);
    const format = picture && handle.width && handle.height ? this.format(handle.width, handle.height, ownRate) : undefined;
    // The asset's length is the file's own, counted in its own frames (or samples): not rounded to the sequence's frames.
    const unit = picture ? ownRate : { fps: handle.sampleRate ?? 48000, num: handle.sampleRate ?? 48000, den: 1 };
    id = this.id();
    this.assets.set(url, id);
    this.elements.push(
      element(
        'asset',
        {
          id,
          name: own?.name ?? handle.name ?? url,
          start: '0s',
          duration: !unit || handle.duration === undefined ? '0s' : rationalSeconds(toFrames(handle.duration, unit), unit),
          hasVideo: picture ? 1 : undefined,
          format,
          hasAudio: sound ? 1 : undefined,
          audioSources: sound ? 1 : undefined,
          audioChannels: sound ? (handle.channels ?? 2) : undefined,
          audioRate: sound ? (handle.sampleRate ?? 48000) : undefined,
        },
        [element('media-rep', { kind: 'original-media', src: url })],
      ),
    );
    return id;
  }
}

/** The sequence's picture, in pixels. */
interface Size {
  width: number;
  height: number;
}

/** One item of the primary storyline, with its place in sequence time and its own local clock. */
interface SpineItem {
  offset: number;
  frames: number;
  /** Local time at `offset`: the media time for a clip, 0 for a gap. */
  start: number;
  element: XmlElement;
  anchored: XmlElement[];
  markers: XmlElement[];
}

const adjustVolume = (db: number): XmlElement => element('adjust-volume', { amount: `${db}dB` });

/**
 * A picture smaller than the frame, laid at its place: at its own size (no
 * conform, which would scale it to fit) and moved from the centre, in FCP's
 * units — 100 to the frame's height, y up.
 */
function placement(placed: PlacedClip, frame: Size): XmlElement[] {
  const { position } = placed.clip;
  const { width, height } = placed.media;
  if (!position || !width || !height) return [];
  const units = (pixels: number): string => String(Math.round((pixels / frame.height) * 100 * 1e6) / 1e6);
  const right = position.x + width / 2 - frame.width / 2;
  const up = frame.height / 2 - (position.y + height / 2);
  return [element('adjust-conform', { type: 'none' }), element('adjust-transform', { position: `${units(right)} ${units(up)}` })];
}

function assetClip(placed: PlacedClip, resources: Resources, rate: FrameRate, offset: number, frame: Size, extra: Attributes = {}): XmlElement {
  // The DTD orders a clip's adjustments: picture (conform, transform) before sound (volume).
  const adjustments = [...placement(placed, frame), ...(placed.clip.gainDb !== undefined ? [adjustVolume(placed.clip.gainDb)] : [])];
  return element(
    'asset-clip',
    {
      ref: resources.asset(placed.media),
      ...extra,
      offset: rationalSeconds(offset, rate),
      name: placed.pass > 0 ? `${placed.clip.id} (loop ${placed.pass + 1})` : placed.clip.id,
      start: rationalSeconds(placed.sourceIn, rate),
      duration: rationalSeconds(placed.frames, rate),
      tcFormat: 'NDF',
    },
    adjustments,
  );
}

function spineOf(primary: Lane | undefined, total: number, resources: Resources, rate: FrameRate, frame: Size): { items: SpineItem[]; transitions: Array<{ before: number; element: XmlElement }> } {
  const items: SpineItem[] = [];
  const transitions: Array<{ before: number; element: XmlElement }> = [];
  const gap = (offset: number, frames: number): SpineItem => ({
    offset,
    frames,
    start: 0,
    element: element('gap', { name: 'Gap', offset: rationalSeconds(offset, rate), start: '0s', duration: rationalSeconds(frames, rate) }),
    anchored: [],
    markers: [],
  });
  let cursor = 0;
  for (const placed of primary?.clips ?? []) {
    if (placed.start > cursor) items.push(gap(cursor, placed.start - cursor));
    if (placed.transitionIn && placed.start > 0) {
      const transition = element('transition', { name: placed.transitionIn.kind, offset: rationalSeconds(placed.start, rate), duration: rationalSeconds(placed.transitionIn.frames, rate) }, [
        element('filter-video', { ref: resources.effect(builtinEffects.crossDissolve), name: builtinEffects.crossDissolve.name }),
        element('filter-audio', { ref: resources.effect(builtinEffects.audioCrossfade), name: builtinEffects.audioCrossfade.name }),
      ]);
      transitions.push({ before: items.length, element: transition });
    }
    items.push({ offset: placed.start, frames: placed.frames, start: placed.sourceIn, element: assetClip(placed, resources, rate, placed.start, frame), anchored: [], markers: [] });
    cursor = placed.start + placed.frames;
  }
  if (total > cursor || items.length === 0) items.push(gap(cursor, Math.max(1, total - cursor)));
  return { items, transitions };
}

const covering = (items: SpineItem[], frame: number): SpineItem => items.find((item) => frame < item.offset + item.frames) ?? items.at(-1)!;

const local = (item: SpineItem, frame: number): number => item.start + frame - item.offset;

export function toFcpxml(timeline: Timeline, options: FcpxmlOptions): FcpxmlResult {
  const layout = layoutTimeline(timeline);
  const { rate, frames } = layout;
  const warnings = [...layout.warnings];
  const resources = new Resources(rate, options.mediaUrl);
  const sequenceFormat = resources.format(timeline.width, timeline.height, rate);

  const primary = layout.lanes.find((lane) => lane.kind === 'video');
  const frame = { width: timeline.width, height: timeline.height };
  const { items, transitions } = spineOf(primary, frames, resources, rate, frame);

  let above = 0;
  let below = 0;
  for (const lane of layout.lanes) {
    if (lane === primary) continue;
    const number = lane.medium === 'video' ? ++above : -++below;
    lane.clips.forEach((placed, index) => {
      if (placed.transitionIn && abuttingPrevious(lane, index)) {
        warnings.push(`FCPXML: the ${placed.transitionIn.kind} into "${placed.clip.id}" on connected lane "${lane.name}" is left as a cut`);
      }
      const parent = covering(items, placed.start);
      const role = audioRoles[lane.kind];
      parent.anchored.push(assetClip(placed, resources, rate, local(parent, placed.start), frame, { lane: number, ...(role ? { audioRole: role } : {}) }));
    });
  }

  // The stems start with the sequence and last as long as it (or as they do), whatever spine item they hang from.
  const first = items[0]!;
  for (const stem of options.stems ?? []) {
    const length = Math.min(frames, framesWithin(stem.handle.duration ?? 0, rate));
    if (length <= 0) continue;
    const role = audioRoles[stem.name as TrackKind];
    const volume = stem.gainDb ? [adjustVolume(stem.gainDb)] : [];
    const ref = resources.asset(stem.handle, { url: stem.url, name: decodeURIComponent(stem.url.slice(stem.url.lastIndexOf('/') + 1)) });
    first.anchored.push(
      element(
        'asset-clip',
        { ref, lane: -++below, offset: rationalSeconds(local(first, 0), rate), name: `Stem: ${stem.name}`, start: '0s', duration: rationalSeconds(length, rate), enabled: 0, ...(role ? { audioRole: role } : {}), tcFormat: 'NDF' },
        volume,
      ),
    );
  }

  for (const named of namedRanges(timeline, rate)) {
    const parent = covering(items, named.start);
    const at = rationalSeconds(local(parent, named.start), rate);
    parent.markers.push(
      named.kind === 'scene'
        ? element('chapter-marker', { start: at, duration: rationalSeconds(1, rate), value: named.name, posterOffset: '0s' })
        : element('marker', { start: at, duration: rationalSeconds(1, rate), value: named.name }),
    );
  }

  const spine: XmlElement[] = [];
  items.forEach((item, index) => {
    spine.push(...transitions.filter((transition) => transition.before === index).map((transition) => transition.element));
    // The DTD orders a clip's children: its own adjustments, then anchored items, then markers.
    item.element.children.push(...item.anchored, ...item.markers);
    spine.push(item.element);
  });

  const sequence = element('sequence', { format: sequenceFormat, duration: rationalSeconds(frames, rate), tcStart: '0s', tcFormat: 'NDF', audioLayout: 'stereo', audioRate: '48k' }, [
    element('spine', {}, spine),
  ]);
  const document = element('fcpxml', { version: '1.10' }, [
    element('resources', {}, resources.elements),
    element('library', {}, [element('event', { name: timeline.title }, [element('project', { name: timeline.title }, [sequence])])]),
  ]);
  return { xml: `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n${serialise(document)}\n`, warnings };
}

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ArtifactHandle, Timeline } from '../runtime/contract/index.js';
import { ffmpegPath, ffprobePath, runTool } from '../runtime/media/binaries.js';
import { formatTimestamp, youtubeChapters } from '../nodes/export/chapters.js';
import { rationalSeconds, toFcpxml } from '../nodes/export/fcpxml.js';
import { frameRateOf } from '../nodes/export/layout.js';
import { toOtio, type OtioObject } from '../nodes/export/otio.js';
import { defaultBaseName, safeBaseName } from '../nodes/export/package.node.js';
import { MAX_THUMBNAIL_BYTES, renderThumbnail, thumbnailSize } from '../nodes/export/thumbnail.js';
import { chooseThumbnailFrame, thumbnailCandidates } from '../nodes/export/thumbnail-frame.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';
import { grabFrame, meanColour, meanDifference, streamInfo } from './fixtures/frames.js';

const FPS = 30;

/** Each stream's packets, hashed: equal for a file and its remux. */
async function streamHashes(file: string): Promise<string> {
  const { stdout } = await runTool(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-i', file, '-map', '0', '-c', 'copy', '-f', 'framemd5', '-'], { timeoutMs: 60_000 });
  return stdout.toString('utf8');
}
let work: string;
let h: Harness;
const media = {} as Record<'sceneA' | 'sceneB' | 'voice' | 'music' | 'render' | 'portrait' | 'episode', ArtifactHandle>;

const ffmpeg = (args: string[]): Promise<unknown> => runTool(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', ...args], { timeoutMs: 120_000 });
const picture = (source: string, seconds: number, size: string, file: string): Promise<unknown> =>
  ffmpeg(['-f', 'lavfi', '-i', `${source}=size=${size}:rate=${FPS}:duration=${seconds}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file]);
const tone = (frequency: number, seconds: number, file: string): Promise<unknown> => ffmpeg(['-f', 'lavfi', '-i', `sine=frequency=${frequency}:duration=${seconds}:sample_rate=48000`, file]);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'reelgraph-export-'));
  h = await createHarness();
  const files = {
    sceneA: join(work, 'a.mp4'),
    sceneB: join(work, 'b.mp4'),
    voice: join(work, 'voice.wav'),
    music: join(work, 'music.wav'),
    render: join(work, 'render.mp4'),
    portrait: join(work, 'portrait.mp4'),
    episode: join(work, 'episode.mp4'),
  };
  await Promise.all([
    picture('testsrc2', 3, '320x180', files.sceneA),
    picture('smptebars', 3, '320x180', files.sceneB),
    tone(440, 2.5, files.voice),
    tone(220, 1.5, files.music),
    picture('testsrc2', 6, '640x360', files.render),
    picture('testsrc2', 2, '180x320', files.portrait),
    picture('testsrc2', 33, '160x90', files.episode),
  ]);
  const mimes = { sceneA: 'video/mp4', sceneB: 'video/mp4', voice: 'audio/wav', music: 'audio/wav', render: 'video/mp4', portrait: 'video/mp4', episode: 'video/mp4' } as const;
  for (const key of Object.keys(files) as Array<keyof typeof files>) {
    media[key] = await h.engine.services.artifacts.put({ path: files[key] }, { mime: mimes[key], name: `${key}${mimes[key] === 'audio/wav' ? '.wav' : '.mp4'}` });
  }
}, 120_000);

afterAll(async () => {
  await h.dispose();
  await rm(work, { recursive: true, force: true });
});

/**
 * Two scenes cut with a crossfade and a hole at the end; an overlay; two
 * overlapping lines of dialogue (an editor needs two tracks for them); a
 * 1.5 s music bed looped over 4 s.
 */
function sampleTimeline(): Timeline {
  return {
    title: 'Cold Boot',
    duration: 6,
    width: 320,
    height: 180,
    fps: FPS,
    scenes: [
      { id: 's1', index: 0, title: 'Cold open', start: 0, duration: 2.5 },
      { id: 's2', index: 1, title: 'The vault', start: 2.5, duration: 3.5 },
    ],
    tracks: [
      {
        name: 'Picture',
        kind: 'video',
        clips: [
          { id: 's1-video', start: 0, duration: 2.5, sourceIn: 0, media: media.sceneA, sceneId: 's1' },
          { id: 's2-video', start: 2.5, duration: 2.5, sourceIn: 0.5, media: media.sceneB, sceneId: 's2', transitionIn: { kind: 'crossfade', duration: 0.5 } },
        ],
      },
      { name: 'Overlays', kind: 'overlay', clips: [{ id: 'terminal', start: 1, duration: 1, sourceIn: 0, media: media.sceneB }] },
      {
        name: 'Dialogue',
        kind: 'dialogue',
        clips: [
          { id: 'line-1', start: 0.5, duration: 2, sourceIn: 0, media: media.voice, speaker: 'ADA', text: 'Power is out.' },
          { id: 'line-2', start: 2, duration: 2, sourceIn: 0.25, media: media.voice, speaker: 'MIKO', text: 'Not for long.', gainDb: -3 },
        ],
      },
      { name: 'Music', kind: 'music', clips: [{ id: 'bed', start: 0, duration: 4, sourceIn: 0, media: media.music, loop: true }] },
    ],
    markers: [],
  };
}

const mediaUrl = (handle: ArtifactHandle): string => `media/${handle.name}`;

/** Every OTIO object in a tree, depth first. */
function otioObjects(value: unknown, found: OtioObject[] = []): OtioObject[] {
  if (Array.isArray(value)) value.forEach((element) => otioObjects(element, found));
  else if (value && typeof value === 'object') {
    if ('OTIO_SCHEMA' in value) found.push(value as OtioObject);
    Object.values(value).forEach((element) => otioObjects(element, found));
  }
  return found;
}

type RationalTime = { OTIO_SCHEMA: string; rate: number; value: number };
type TimeRange = { start_time: RationalTime; duration: RationalTime };

describe('OpenTimelineIO export', () => {
  let otio: OtioObject;
  let warnings: string[];
  beforeAll(() => {
    const rendered = { video: { handle: media.render, url: 'cold-boot.mp4' }, stems: [{ name: 'dialogue', handle: media.voice, url: 'media/stem-dialogue.wav' }] };
    ({ timeline: otio, warnings } = toOtio(sampleTimeline(), { mediaUrl, rendered }));
  });

  it('is a Timeline of a Stack of Tracks in schema versions every released OTIO reads', () => {
    expect(otio).toMatchObject({ OTIO_SCHEMA: 'Timeline.1', name: 'Cold Boot', global_start_time: { OTIO_SCHEMA: 'RationalTime.1', rate: 30, value: 0 } });
    const stack = otio.tracks as OtioObject & { children: Array<OtioObject & { name: string; kind: string; enabled: boolean }> };
    expect(stack.OTIO_SCHEMA).toBe('Stack.1');
    expect(stack.children.map((track) => [track.name, track.kind, track.enabled])).toEqual([
      ['Rendered video', 'Video', false],
      ['Stem: dialogue', 'Audio', false],
      ['Picture', 'Video', true],
      ['Overlays', 'Video', true],
      ['Dialogue', 'Audio', true],
      ['Dialogue 2', 'Audio', true],
      ['Music', 'Audio', true],
    ]);
    const schemas = new Set(otioObjects(otio).map((object) => object.OTIO_SCHEMA));
    expect([...schemas].sort()).toEqual(['Clip.2', 'ExternalReference.1', 'Gap.1', 'Marker.2', 'RationalTime.1', 'Stack.1', 'TimeRange.1', 'Timeline.1', 'Track.1', 'Transition.1']);
    expect(warnings).toEqual([]);
  });

  it('keeps every time at the timeline rate in whole frames', () => {
    const times = otioObjects(otio).filter((object) => object.OTIO_SCHEMA === 'RationalTime.1') as unknown as RationalTime[];
    expect(times.length).toBeGreaterThan(50);
    for (const time of times) {
      expect(time.rate).toBe(30);
      expect(Number.isInteger(time.value)).toBe(true);
    }
  });

  it('references media by relative URL and never trims past the end of it', () => {
    const clips = otioObjects(otio).filter((object) => object.OTIO_SCHEMA === 'Clip.2') as Array<OtioObject & { source_range: TimeRange; media_references: Record<string, { OTIO_SCHEMA: string; target_url: string; available_range: TimeRange }>; active_media_reference_key: string }>;
    expect(clips).toHaveLength(2 + 2 + 1 + 2 + 3);
    for (const clip of clips) {
      const reference = clip.media_references[clip.active_media_reference_key]!;
      expect(reference.OTIO_SCHEMA).toBe('ExternalReference.1');
      expect(reference.target_url).toMatch(/^(media\/)?[\w.-]+$/);
      const end = clip.source_range.start_time.value + clip.source_range.duration.value;
      expect(clip.source_range.start_time.value).toBeGreaterThanOrEqual(0);
      expect(end).toBeLessThanOrEqual(reference.available_range.start_time.value + reference.available_range.duration.value);
    }
    // The bed loops: 45 + 45 + 30 frames of a 45-frame tune.
    const bed = clips.filter((clip) => String(clip.name).startsWith('bed')).map((clip) => [clip.source_range.start_time.value, clip.source_range.duration.value]);
    expect(bed).toEqual([
      [0, 45],
      [0, 45],
      [0, 30],
    ]);
  });

  it('fills every track to the timeline length, with gaps for holes and a dissolve at the start of the clip it leads into', () => {
    const tracks = (otio.tracks as { children: Array<{ name: string; children: Array<OtioObject & { source_range?: TimeRange }> }> }).children;
    for (const track of tracks) {
      const length = track.children.filter((child) => child.OTIO_SCHEMA !== 'Transition.1').reduce((sum, child) => sum + child.source_range!.duration.value, 0);
      expect(Math.abs(length - 6 * FPS), track.name).toBeLessThanOrEqual(1);
    }
    const picture = tracks.find((track) => track.name === 'Picture')!.children;
    expect(picture.map((child) => child.OTIO_SCHEMA)).toEqual(['Clip.2', 'Transition.1', 'Clip.2', 'Gap.1']);
    expect(picture[1]).toMatchObject({ transition_type: 'SMPTE_Dissolve', in_offset: { value: 0 }, out_offset: { value: 15 } });
    expect(picture[2]!.source_range).toMatchObject({ start_time: { value: 15 }, duration: { value: 75 } });
    expect(picture[3]!.source_range!.duration.value).toBe(30);
    const overlay = tracks.find((track) => track.name === 'Overlays')!.children;
    expect(overlay.map((child) => [child.OTIO_SCHEMA, child.source_range!.duration.value])).toEqual([
      ['Gap.1', 30],
      ['Clip.2', 30],
      ['Gap.1', 120],
    ]);
  });

  it('marks each scene as a chapter on the stack', () => {
    const markers = (otio.tracks as { markers: Array<{ OTIO_SCHEMA: string; name: string; color: string; marked_range: TimeRange }> }).markers;
    expect(markers.map((marker) => [marker.OTIO_SCHEMA, marker.name, marker.color, marker.marked_range.start_time.value, marker.marked_range.duration.value])).toEqual([
      ['Marker.2', 'Cold open', 'GREEN', 0, 75],
      ['Marker.2', 'The vault', 'GREEN', 75, 105],
    ]);
  });

  it('says when a transition needs more of the outgoing media than exists, and cuts clips to their media', () => {
    const timeline = sampleTimeline();
    timeline.tracks[0]!.clips[0]!.duration = 3;
    timeline.tracks[0]!.clips[1]!.start = 3;
    timeline.tracks[2]!.clips[0]!.sourceIn = 1;
    const { warnings: said } = toOtio(timeline, { mediaUrl });
    expect(said).toEqual([
      'clip "line-1" asks for 15 frame(s) past the end of its media; cut to what exists',
      'the crossfade into "s2-video" needs 15 frame(s) more of "s1-video" than its media has; an editor will shorten it',
    ]);
  });

  it('writes NTSC rates as exact fractions', () => {
    expect(frameRateOf(29.97)).toEqual({ fps: 30000 / 1001, num: 30000, den: 1001 });
    expect(frameRateOf(30)).toEqual({ fps: 30, num: 30, den: 1 });
    expect(rationalSeconds(45, frameRateOf(30))).toBe('3/2s');
    expect(rationalSeconds(1, frameRateOf(29.97))).toBe('1001/30000s');
    expect(rationalSeconds(60, frameRateOf(30))).toBe('2s');
  });
});

describe('FCPXML export', () => {
  const parse = (xml: string): Record<string, unknown> =>
    new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', preserveOrder: true, allowBooleanAttributes: true }).parse(xml) as unknown as Record<string, unknown>;
  type Node = { [name: string]: Node[] | Record<string, string> } & { ':@'?: Record<string, string> };
  const nameOf = (node: Node): string => Object.keys(node).find((key) => key !== ':@')!;
  const childrenOf = (node: Node): Node[] => node[nameOf(node)] as Node[];
  const find = (nodes: Node[], name: string): Node => nodes.find((node) => nameOf(node) === name)!;
  const seconds = (time: string): number => {
    const match = /^(-?\d+)(?:\/(\d+))?s$/.exec(time);
    if (!match) throw new Error(`not a rational time: ${time}`);
    return Number(match[1]) / Number(match[2] ?? 1);
  };

  let xml: string;
  let fcpxml: Node;
  let sequence: Node;
  let spine: Node[];
  beforeAll(() => {
    ({ xml } = toFcpxml(sampleTimeline(), { mediaUrl }));
    fcpxml = find(parse(xml) as unknown as Node[], 'fcpxml');
    const path = ['library', 'event', 'project', 'sequence'].reduce((node, name) => find(childrenOf(node), name), fcpxml);
    sequence = path;
    spine = childrenOf(find(childrenOf(sequence), 'spine'));
  });

  it('is well-formed FCPXML 1.10 with its formats and assets declared', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n<fcpxml version="1.10">')).toBe(true);
    const resources = childrenOf(find(childrenOf(fcpxml), 'resources'));
    const ids = new Set(resources.map((node) => node[':@']!.id));
    expect(resources.filter((node) => nameOf(node) === 'format')[0]![':@']).toMatchObject({ width: '320', height: '180', frameDuration: '1/30s' });
    expect(resources.filter((node) => nameOf(node) === 'asset')).toHaveLength(4);
    for (const asset of resources.filter((node) => nameOf(node) === 'asset')) {
      expect(find(childrenOf(asset), 'media-rep')[':@']!.src).toMatch(/^media\//);
    }
    // Every reference resolves.
    const refs = [...xml.matchAll(/ (?:ref|format)="(r\d+)"/g)].map((match) => match[1]);
    expect(refs.every((ref) => ids.has(ref!))).toBe(true);
  });

  it('has every time on a frame boundary, and a spine that adds up to the sequence', () => {
    for (const [, time] of xml.matchAll(/ (?:offset|start|duration|frameDuration)="([^"]*)"/g)) {
      expect(Number.isInteger(Math.round(seconds(time!) * FPS * 1e6) / 1e6), time).toBe(true);
    }
    expect(seconds(sequence[':@']!.duration!)).toBe(6);
    const items = spine.filter((node) => nameOf(node) !== 'transition');
    expect(items.map(nameOf)).toEqual(['asset-clip', 'asset-clip', 'gap']);
    let cursor = 0;
    for (const item of items) {
      expect(seconds(item[':@']!.offset!)).toBeCloseTo(cursor, 9);
      cursor += seconds(item[':@']!.duration!);
    }
    expect(cursor).toBeCloseTo(6, 9);
    expect(spine.map(nameOf)).toEqual(['asset-clip', 'transition', 'asset-clip', 'gap']);
    expect(spine[1]![':@']).toMatchObject({ offset: '5/2s', duration: '1/2s' });
  });

  it('connects overlays above and audio below, at the right time in their parent', () => {
    const placed: Array<[string, string, number]> = [];
    for (const item of spine.filter((node) => nameOf(node) !== 'transition')) {
      const parentOffset = seconds(item[':@']!.offset!);
      const parentStart = seconds(item[':@']!.start ?? '0s');
      for (const child of childrenOf(item).filter((node) => nameOf(node) === 'asset-clip')) {
        const attributes = child[':@']!;
        // A connected clip's offset is in its parent's local time.
        placed.push([attributes.name!, attributes.lane!, Math.round((parentOffset + seconds(attributes.offset!) - parentStart) * FPS)]);
      }
    }
    expect(placed.sort((a, b) => a[2] - b[2] || a[0].localeCompare(b[0]))).toEqual([
      ['bed', '-3', 0],
      ['line-1', '-1', 15],
      ['terminal', '1', 30],
      ['bed (loop 2)', '-3', 45],
      ['line-2', '-2', 60],
      ['bed (loop 3)', '-3', 90],
    ]);
    expect(xml).toContain('audioRole="dialogue"');
    expect(xml).toContain('<adjust-volume amount="-3dB"/>');
    expect(xml).toMatch(/<chapter-marker start="0s" duration="1\/30s" value="Cold open"/);
  });

  it('lays a window-sized overlay at its place, at its own size, and a full-frame one as it is', () => {
    const timeline = sampleTimeline();
    // 160×90 laid with its corner at (120, 60) of the 320×180 frame: its centre is 40 px right of the frame's and 15 px below.
    timeline.tracks.find((track) => track.kind === 'overlay')!.clips.push({ id: 'window', start: 3, duration: 1, sourceIn: 0, media: media.episode, position: { x: 120, y: 60 } });
    const { xml: placed } = toFcpxml(timeline, { mediaUrl });
    expect(XMLValidator.validate(placed)).toBe(true);
    const clipElement = (name: string): string => new RegExp(`<asset-clip [^>]*name="${name}"[^>]*?(?:/>|>[\\s\\S]*?</asset-clip>)`).exec(placed)?.[0] ?? '';
    // FCP's units: 100 to the frame's height, y up; no conform, which would scale the clip to fit the frame.
    expect(clipElement('window')).toMatch(/<adjust-conform type="none"\/>\s*<adjust-transform position="22.222222 -8.333333"\/>/);
    expect(clipElement('terminal')).not.toContain('adjust-transform');
    const otio = toOtio(timeline, { mediaUrl }).timeline;
    const window = otioObjects(otio).find((object) => object.OTIO_SCHEMA === 'Clip.2' && object.name === 'window') as unknown as { metadata: { reelgraph: Record<string, unknown> } };
    expect(window.metadata.reelgraph.position).toEqual({ x: 120, y: 60 });
  });

  it('escapes what XML cannot hold', () => {
    const timeline = sampleTimeline();
    timeline.title = 'Tom & "Jerry" <live>\u0001';
    const { xml: hostile } = toFcpxml(timeline, { mediaUrl });
    expect(XMLValidator.validate(hostile)).toBe(true);
    expect(hostile).toContain('name="Tom &amp; &quot;Jerry&quot; &lt;live&gt;"');
  });
});

describe('YouTube chapters', () => {
  const points = (...entries: Array<[number, string]>): Array<{ time: number; title: string }> => entries.map(([time, title]) => ({ time, title }));

  it('writes one line a chapter, the first at 0:00', () => {
    const result = youtubeChapters(points([0, 'Cold open'], [42.7, 'The vault'], [3725, 'Reboot']), 4000);
    expect(result.text).toBe('0:00 Cold open\n0:42 The vault\n1:02:05 Reboot\n');
    expect(result.warnings).toEqual([]);
  });

  it('starts the first chapter at 0:00 and says so', () => {
    const result = youtubeChapters(points([3, 'Intro'], [20, 'Middle'], [40, 'End']), 60);
    expect(result.chapters?.[0]).toEqual({ start: 0, title: 'Intro' });
    expect(result.warnings[0]).toMatch(/"Intro" moved from 0:03 to 0:00/);
  });

  it('merges chapters shorter than 10 s into a neighbour, naming them', () => {
    const result = youtubeChapters(points([0, 'Hook'], [4, 'Title'], [30, 'Act one'], [35, 'Beat'], [60, 'Act two'], [95, 'Outro']), 100);
    expect(result.chapters).toEqual([
      { start: 0, title: 'Hook' },
      { start: 30, title: 'Act one' },
      { start: 60, title: 'Act two' },
    ]);
    expect(result.warnings).toEqual([
      'chapter "Title" merged into "Hook": chapters last at least 10 s',
      'chapter "Beat" merged into "Act one": chapters last at least 10 s',
      'chapter "Outro" merged into "Act two": chapters last at least 10 s',
    ]);
    for (let i = 0; i < result.chapters!.length; i++) {
      expect((result.chapters![i + 1]?.start ?? 100) - result.chapters![i]!.start).toBeGreaterThanOrEqual(10);
    }
  });

  it('gives no chapters when fewer than three can last 10 s', () => {
    const result = youtubeChapters(points([0, 'One'], [12, 'Two'], [25, 'Three']), 29);
    expect(result).toMatchObject({ chapters: null, text: null });
    expect(result.warnings.at(-1)).toMatch(/no chapters: YouTube needs at least 3 of at least 10 s/);
    expect(youtubeChapters([], 600).chapters).toBeNull();
  });

  it('keeps titles on one line and names untitled ones', () => {
    const result = youtubeChapters(points([0, 'A\nsplit   title'], [15, '  '], [30, 'C']), 45);
    expect(result.text).toBe('0:00 A split title\n0:15 Part 2\n0:30 C\n');
    expect(formatTimestamp(59.9)).toBe('0:59');
  });
});

describe('thumbnail', () => {
  const signal = new AbortController().signal;
  const render = async (handle: ArtifactHandle, titleCard: boolean, name: string): Promise<{ file: string; bytes: number }> => {
    const size = thumbnailSize({ width: handle.width!, height: handle.height! });
    const jpeg = await renderThumbnail(await h.engine.services.artifacts.localPath(handle), {
      time: 1,
      duration: handle.duration!,
      size,
      signal,
      ...(titleCard ? { titleCard: { title: 'The Last Terminal: Cold Boot of the Main Grid', series: 'The Last Terminal', episode: 1 } } : {}),
    });
    const file = join(work, name);
    await writeFile(file, jpeg);
    return { file, bytes: jpeg.length };
  };

  it('matches the video aspect at YouTube sizes, as a JPEG under 2 MB', async () => {
    const wide = await render(media.render, false, 'wide.jpg');
    const tall = await render(media.portrait, true, 'tall.jpg');
    expect(await streamInfo(wide.file)).toMatchObject({ width: 1280, height: 720, codec: 'mjpeg' });
    expect(await streamInfo(tall.file)).toMatchObject({ width: 1080, height: 1920, codec: 'mjpeg' });
    expect(wide.bytes).toBeLessThan(MAX_THUMBNAIL_BYTES);
    expect(tall.bytes).toBeLessThan(MAX_THUMBNAIL_BYTES);
  });

  it('draws the title card over the frame, darkening the bottom where the text sits', async () => {
    const [plain, card] = await Promise.all([render(media.render, false, 'plain.jpg'), render(media.render, true, 'card.jpg')]);
    const [a, b] = await Promise.all([grabFrame(plain.file, 0), grabFrame(card.file, 0)]);
    const top = { x: 0, y: 0, width: 1280, height: 120 };
    const bottom = { x: 0, y: 520, width: 1280, height: 200 };
    expect(meanDifference(a, b, top)).toBeLessThan(15);
    expect(meanDifference(a, b, bottom)).toBeGreaterThan(30);
    expect(meanColour(b, { x: 0, y: 700, width: 60, height: 20 }).luma).toBeLessThan(meanColour(a, { x: 0, y: 700, width: 60, height: 20 }).luma);
  });

  it('refuses a time outside the video, naming the param', async () => {
    const path = await h.engine.services.artifacts.localPath(media.render);
    await expect(renderThumbnail(path, { time: 9, duration: 6, size: { width: 1280, height: 720 }, signal, param: '/thumbnailTime' })).rejects.toMatchObject({
      message: expect.stringMatching(/thumbnail time 9 s is outside the video/),
      location: { param: '/thumbnailTime' },
    });
  });
});

describe('the thumbnail frame', () => {
  const signal = new AbortController().signal;
  const scene = (id: string, index: number, start: number, duration: number) => ({ id, index, title: id, start, duration });

  it('leaves out transitions, an overlay powering on and glitches, and prefers frames between lines', () => {
    const timeline: Timeline = {
      title: 'Candidates',
      duration: 12,
      width: 320,
      height: 180,
      fps: 30,
      scenes: [scene('a', 0, 0, 6), scene('b', 1, 6, 6)],
      tracks: [
        { name: 'V1', kind: 'video', clips: [{ id: 'a', start: 0, duration: 6, sourceIn: 0 }, { id: 'b', start: 6, duration: 6, sourceIn: 0, transitionIn: { kind: 'crossfade', duration: 1 } }] },
        { name: 'Overlay', kind: 'overlay', clips: [{ id: 'terminal', start: 2, duration: 3, sourceIn: 0 }] },
        { name: 'Effects', kind: 'video', clips: [{ id: 'glitch', start: 9.9, duration: 0.2, sourceIn: 0, effect: 'glitch' }] },
      ],
      markers: [],
    };
    // Scene a: 2 and 3 are the terminal powering on (2–3.5 s); scene b: 10 is the glitch. 8 is past the crossfade (6–7 s).
    expect(thumbnailCandidates(timeline, 12)).toEqual([4, 8, 9]);
    // Between lines where there are such frames (a caption burned in under the title card is clutter), else as before.
    expect(thumbnailCandidates(timeline, 12, [{ from: 3.5, to: 4.5 }, { from: 8.9, to: 9.2 }])).toEqual([8]);
    expect(thumbnailCandidates(timeline, 12, [{ from: 0, to: 12 }])).toEqual([4, 8, 9]);
  });

  it('picks the sharpest, most detailed candidate over a black and a blurred one', async () => {
    const video = join(work, 'candidates.mp4');
    await runTool(
      ffmpegPath(),
      [
        '-v', 'error', '-y',
        '-f', 'lavfi', '-i', 'color=black:s=320x180:r=30:d=3',
        '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=30:d=3',
        '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=30:d=3',
        '-filter_complex', '[2]boxblur=8[blurred];[1][blurred]concat=n=2[busy];[0][busy]concat=n=2',
        '-c:v', 'libx264', '-pix_fmt', 'yuv420p', video,
      ],
      { timeoutMs: 60_000 },
    );
    const order = [7.5, 1.5, 4.5];
    expect(await chooseThumbnailFrame(video, order, signal)).toMatchObject({ time: 4.5, scored: 3 });
    expect(await chooseThumbnailFrame(video, [], signal)).toBeUndefined();
  });
});

describe('export.package', () => {
  const markdown = '---\nseries: The Last Terminal\nepisode: 1\n---\n# Cold Boot\n\n## Cold open\n\nThe lights die.\n';
  /** A 33 s episode of three 11 s scenes: room for three YouTube chapters. */
  const episodeTimeline = (): Timeline => {
    const timeline = sampleTimeline();
    timeline.duration = 33;
    timeline.scenes = ['Cold open', 'The vault', 'Reboot'].map((title, index) => ({ id: `s${index + 1}`, index, title, start: index * 11, duration: 11 }));
    return timeline;
  };
  const subtitles = { cues: [{ start: 0.5, end: 2.5, text: 'ADA: Power is out.' }, { start: 2.6, end: 4, text: 'MIKO: Not for long.' }] };
  // Effects and music as one blob (two silent stems are the same bytes), each stem with the mix's headroom as its gain.
  const video = (): ArtifactHandle =>
    ({ ...media.episode, stems: { dialogue: { ...media.voice, gainDb: 2.5 }, effects: { ...media.music, gainDb: 2.5 }, music: { ...media.music, gainDb: 2.5 } } }) as ArtifactHandle;

  const exportGraph = (params: Record<string, unknown> = {}) =>
    graph([
      ['script', 'script.markdown'],
      ['pkg', 'export.package', params],
    ], ['$input.markdown -> script.markdown', 'script.script -> pkg.script', '$input.video -> pkg.video', '$input.timeline -> pkg.timeline', '$input.subtitles -> pkg.subtitles'], {
      inputs: { markdown: { type: 'Markdown' }, video: { type: 'Video' }, timeline: { type: 'Timeline' }, subtitles: { type: 'Subtitles' } },
      outputs: { files: 'pkg.files', thumbnail: 'pkg.thumbnail' },
    });

  /** Every file under a folder, relative to it. */
  async function filesUnder(root: string): Promise<string[]> {
    try {
      return (await readdir(root, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1)).sort();
    } catch {
      return [];
    }
  }

  it('writes every deliverable into the output directory, named from the script', async () => {
    const outDir = join(h.dir, 'out-full');
    const result = await h.run(exportGraph(), { outDir, inputs: { markdown, video: video(), timeline: episodeTimeline(), subtitles } });
    expect(result.status, JSON.stringify(result.nodes.map((node) => node.error))).toBe('done');
    const base = 'the-last-terminal-e01-cold-boot';
    const names = await filesUnder(outDir);
    expect(names.filter((name) => !name.startsWith('media/'))).toEqual(
      [`${base}.chapters.txt`, `${base}.fcpxml`, `${base}.graph.json`, `${base}.jpg`, `${base}.mp4`, `${base}.otio`, `${base}.srt`, `${base}.vtt`].sort(),
    );
    // The four clips' media, and a file for each stem.
    expect(names.filter((name) => name.startsWith('media/'))).toHaveLength(4 + 3);

    const files = result.outputs.files as Array<{ kind: string; path: string; bytes: number }>;
    for (const file of files) expect((await stat(file.path)).size).toBe(file.bytes);
    expect(new Set(files.map((file) => file.kind))).toEqual(new Set(['mp4', 'srt', 'vtt', 'thumbnail', 'chapters', 'otio', 'fcpxml', 'graph', 'media']));
    // The rendered streams, packet for packet: the package only adds its recipe to the container.
    expect(await streamHashes(join(outDir, `${base}.mp4`))).toEqual(await streamHashes(await h.engine.services.artifacts.localPath(media.episode)));
    expect(await readFile(join(outDir, `${base}.chapters.txt`), 'utf8')).toBe('0:00 Cold open\n0:11 The vault\n0:22 Reboot\n');
    expect(await readFile(join(outDir, `${base}.srt`), 'utf8')).toMatch(/00:00:00,500 --> 00:00:02,500/);
    expect(await readFile(join(outDir, `${base}.vtt`), 'utf8')).toMatch(/^WEBVTT/);
    expect(await streamInfo(join(outDir, `${base}.jpg`))).toMatchObject({ width: 1280, height: 720 });
    expect(result.outputs.thumbnail).toMatchObject({ mime: 'image/jpeg', width: 1280, height: 720 });

    // The package is self-contained: every URL in the timelines resolves inside it.
    const otio = JSON.parse(await readFile(join(outDir, `${base}.otio`), 'utf8')) as unknown;
    const urls = otioObjects(otio).filter((object) => object.OTIO_SCHEMA === 'ExternalReference.1').map((reference) => decodeURIComponent(String(reference.target_url)));
    const fcpxml = await readFile(join(outDir, `${base}.fcpxml`), 'utf8');
    urls.push(...[...fcpxml.matchAll(/src="([^"]+)"/g)].map((match) => decodeURIComponent(match[1]!)));
    expect(urls).toContain(`${base}.mp4`);
    // Each stem is its own file under its own name, even the same bytes as a clip's or as another stem's, with its clip gain.
    const tracks = (otio as { tracks: { children: Array<{ name: string; children: OtioObject[] }> } }).tracks.children;
    for (const stem of ['dialogue', 'effects', 'music']) {
      const file = expect.stringMatching(new RegExp(`^media/stem-${stem}-[0-9a-f]{8}\\.wav$`));
      expect(tracks.find((track) => track.name === `Stem: ${stem}`)?.children[0]).toMatchObject({
        OTIO_SCHEMA: 'Clip.2',
        metadata: { reelgraph: { role: 'reference', stem, gainDb: 2.5 } },
        media_references: { DEFAULT_MEDIA: { target_url: file } },
      });
      expect(fcpxml).toMatch(new RegExp(`<asset-clip ref="r\\d+" lane="-\\d+" offset="0s" name="Stem: ${stem}" start="0s" duration="[^"]+" enabled="0" audioRole="${stem}" tcFormat="NDF">\\s*<adjust-volume amount="2.5dB"/>`));
    }
    for (const url of urls) expect(names).toContain(url);
  }, 60_000);

  it('writes the recipe into the MP4 and the resolved graph beside it; reelgraph inspect reads both back', async () => {
    const outDir = join(h.dir, 'out-recipe');
    const document = exportGraph();
    const result = await h.run(document, { outDir, inputs: { markdown, video: video(), timeline: episodeTimeline(), subtitles } });
    expect(result.status).toBe('done');
    const base = 'the-last-terminal-e01-cold-boot';
    const mp4 = join(outDir, `${base}.mp4`);
    const { stdout } = await runTool(ffprobePath(), ['-v', 'error', '-show_entries', 'format_tags', '-of', 'json', mp4], { timeoutMs: 30_000 });
    const tags = (JSON.parse(stdout.toString('utf8')) as { format: { tags: Record<string, string> } }).format.tags;
    expect(tags.title).toBe('Cold Boot');
    const recipe = JSON.parse(tags.reelgraph ?? '{}') as Record<string, unknown>;
    const graphJson = await readFile(join(outDir, `${base}.graph.json`));
    const packageVersion = (JSON.parse(await readFile(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
    expect(recipe).toMatchObject({
      format: 'reelgraph/provenance',
      version: 1,
      reelgraph: packageVersion,
      runId: result.runId,
      graph: { name: document.name, sha256: createHash('sha256').update(graphJson).digest('hex') },
      episode: { title: 'Cold Boot', series: 'The Last Terminal', episode: 1, sha256: createHash('sha256').update(markdown).digest('hex') },
    });
    // The graph beside the video is the one the run executed.
    expect(JSON.parse(graphJson.toString('utf8'))).toMatchObject({ name: document.name, nodes: document.nodes.map((node) => expect.objectContaining({ id: node.id, type: node.type })) });

    const inspect = (...args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
        execFile(process.execPath, [join(import.meta.dirname, '..', 'bin', 'reelgraph.js'), 'inspect', ...args], { env: { ...process.env, REELGRAPH_DATA: join(h.dir, 'inspect-data') }, timeout: 60_000 }, (error, out, err) =>
          done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: out, stderr: err }),
        ),
      );
    const printed = await inspect(mp4);
    expect(printed.stdout).toContain(`run      ${result.runId}`);
    expect(printed.stdout).toContain('episode  The Last Terminal · #1 · Cold Boot');
    expect(JSON.parse((await inspect(mp4, '--json')).stdout)).toEqual(recipe);
    expect((await inspect(mp4, '--graph')).stdout).toBe(graphJson.toString('utf8'));
    // A file without a recipe is refused, naming it.
    const plain = await inspect(await h.engine.services.artifacts.localPath(media.episode));
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/carries no reelgraph recipe/);
  }, 120_000);

  it('with media "link", hard-links the media to the store: no second copy, and it outlives the stored blob; the video carries its recipe, so it is its own file', async () => {
    const outDir = join(h.dir, 'out-linked');
    const result = await h.run(exportGraph({ media: 'link', files: ['mp4', 'otio'], titleCard: false, thumbnailTime: 1 }), {
      outDir,
      inputs: { markdown, video: video(), timeline: episodeTimeline(), subtitles },
    });
    expect(result.status, JSON.stringify(result.nodes.map((node) => node.error))).toBe('done');
    const files = result.outputs.files as Array<{ kind: string; path: string }>;
    const placed = files.filter((file) => file.kind === 'media');
    expect(placed).toHaveLength(4 + 3);
    for (const file of placed) expect((await stat(file.path)).nlink).toBeGreaterThanOrEqual(2);
    expect((await stat(files.find((file) => file.kind === 'mp4')!.path)).nlink).toBe(1);
    // The dialogue stem is the voice blob: the same file under two names, one inode.
    const storePath = await h.engine.services.artifacts.localPath(media.voice);
    const inode = (await stat(storePath)).ino;
    const linked = (await Promise.all(placed.map(async (file) => ((await stat(file.path)).ino === inode ? file : undefined)))).find(Boolean);
    expect(linked).toBeDefined();
    // What gc does to an artifact: the export keeps its bytes.
    const bytes = await readFile(storePath);
    await rm(storePath, { force: true });
    try {
      expect(await readFile(linked!.path)).toEqual(bytes);
    } finally {
      await writeFile(storePath, bytes, { mode: 0o444 });
    }
  }, 60_000);

  it('makes any title a safe file name', async () => {
    const hostile = `../../etc/x 🎬 ${'é'.repeat(300)}`;
    const safe = `etc-x-${'e'.repeat(74)}`;
    expect(safeBaseName(hostile)).toBe(safe);
    expect(safeBaseName('../..')).toBe('episode');
    expect(safeBaseName('CON')).toBe('con-file');
    expect(defaultBaseName({ title: 'Cold Boot', meta: { series: 'Ünïcode / Series', episode: '2b' } }, { title: 'x' })).toBe('unicode-series-e2b-cold-boot');

    const outDir = join(h.dir, 'out-hostile');
    const result = await h.run(exportGraph({ files: ['srt', 'thumbnail'], titleCard: false }), {
      outDir,
      inputs: { markdown: `# ${hostile}\n\n## Scene\n\nText.\n`, video: video(), timeline: episodeTimeline(), subtitles },
    });
    expect(result.status).toBe('done');
    expect(await filesUnder(outDir)).toEqual([`${safe}.jpg`, `${safe}.srt`]);
  }, 60_000);

  it('leaves no finished-looking file when a writer fails or the run is cancelled part way', async () => {
    const inputs = { markdown, video: video(), timeline: episodeTimeline(), subtitles };
    const failedDir = join(h.dir, 'out-failed');
    const failed = await h.run(exportGraph({ thumbnailTime: 999 }), { outDir: failedDir, inputs });
    expect(failed.status).toBe('failed');
    expect(failed.nodes.find((node) => node.id === 'pkg')?.error?.message).toMatch(/thumbnail time 999 s is outside the video/);
    expect(await filesUnder(failedDir)).toEqual([]);

    // Everything is made and staged, then the last writer cannot put the VTT in place.
    const blockedDir = join(h.dir, 'out-blocked');
    await mkdir(join(blockedDir, 'the-last-terminal-e01-cold-boot.vtt'), { recursive: true });
    const blocked = await h.run(exportGraph(), { outDir: blockedDir, inputs });
    expect(blocked.status).toBe('failed');
    expect(blocked.nodes.find((node) => node.id === 'pkg')?.error?.message).toMatch(/cannot write ".*the-last-terminal-e01-cold-boot\.vtt": a folder is in the way/);
    expect(await filesUnder(blockedDir)).toEqual([]);
    expect(await readdir(blockedDir)).toEqual(['the-last-terminal-e01-cold-boot.vtt']);

    const cancelledDir = join(h.dir, 'out-cancelled');
    const controller = new AbortController();
    // Cancel once the export has begun (its staging folder exists and ffmpeg is grabbing the frame).
    const stop = h.engine.events.on((event) => {
      if (event.type === 'progress' && event.nodeId === 'pkg') controller.abort();
    });
    const cancelled = await h.run(exportGraph(), { outDir: cancelledDir, signal: controller.signal, inputs });
    stop();
    expect(controller.signal.aborted).toBe(true);
    expect(cancelled.status).not.toBe('done');
    expect(await filesUnder(cancelledDir)).toEqual([]);
    // The run settles on cancel; the node's own clean-up of its staging folder follows as it stops.
    await vi.waitFor(async () => expect(await readdir(cancelledDir)).toEqual([]), { timeout: 10_000, interval: 50 });
  }, 60_000);
});


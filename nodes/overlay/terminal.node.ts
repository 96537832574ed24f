/**
 * overlay.terminal: each terminal block of the script as a retro terminal
 * animation — prompt, typed command, printed output, blinking cursor, CRT
 * glow, scanlines, static and a glitch in and out — lasting exactly the
 * block's slot in the script. Transparent, it is layers that hold only the
 * window and its glow, each saying where to lay it (`position`), as an
 * editor places a lower third: encoding and compositing the clear rest of
 * the frame cost more than drawing. Opaque, it is one clip of the full frame
 * on a background colour.
 *
 * The node maps over the script's terminal blocks (`script.markdown`'s
 * `terminals` port): each block is one item, cached and retried on its own.
 */
import { join } from 'node:path';
import { defineNode, nodeParams, PermanentError, Type, type Static } from '../../runtime/contract/index.js';
import type { NodeContext, Segment } from '../../runtime/contract/index.js';
import { timingDefaults } from '../script/engine/timing.js';
import { storeClip } from '../video/clip.js';
import { clipCodecs, type ClipCodecName } from '../video/codecs.js';
import { encodeFrames, type FrameEncodeOptions } from '../video/frame-encoder.js';
import { formatParams, frameCountOf, resolveFormat, type VideoFormat } from '../video/profiles.js';
import { EFFECT_HZ, TerminalRenderer, terminalGeometry, type RenderSettings, type TerminalGeometry } from './terminal/draw.js';
import { transitionNames, type Rect, type TransitionName } from './terminal/effects.js';
import { loadTerminalFont, terminalFontNames, type TerminalFontName } from './terminal/font.js';
import { seedOf } from './terminal/random.js';
import { terminalThemeNames, terminalThemes, type EffectLevels, type Rgb, type TerminalThemeName } from './terminal/themes.js';
import { buildTimeline, retime, type Timeline } from './terminal/typing.js';
import type { Overlay, OverlayEvent, OverlayLayer } from '../../runtime/contract/port-values.js';

type EffectName = keyof EffectLevels;
const effectNames: EffectName[] = ['scanlines', 'noise', 'glow', 'curvature', 'flicker'];

/**
 * How each mode is encoded as one clip: transparency needs ProRes 4444 (the drawn region, placed by position); an opaque
 * clip is the full frame in H.264. A transparent block whose tube is opaque travels as layers instead (renderLayers).
 */
const modes = {
  transparent: { codec: 'prores4444', padColour: undefined },
  opaque: { codec: 'h264', padColour: (hex: string) => `0x${hex.slice(1)}` },
} as const satisfies Record<string, { codec: ClipCodecName; padColour: ((hex: string) => string) | undefined }>;

const fraction = (title: string, fallback: number, description: string) => Type.Number({ title, minimum: 0, maximum: 1, default: fallback, description });
const effect = (title: string, description: string) => Type.Optional(Type.Number({ title, minimum: 0, maximum: 1, description: `${description} 0–1; unset: the theme's level.` }));

const terminalParams = nodeParams({
  ...formatParams,
  theme: Type.Unsafe<TerminalThemeName>({ enum: terminalThemeNames, title: 'Theme', default: 'green-phosphor', description: terminalThemeNames.map((name) => `${name}: ${terminalThemes[name].title}`).join('; ') }),
  font: Type.Optional(Type.Unsafe<TerminalFontName>({ enum: terminalFontNames, title: 'Font', description: 'Unset: the theme’s (VT323 for the phosphor themes, JetBrains Mono for modern-dark). Both ship with reelgraph (SIL OFL).' })),
  mode: Type.Unsafe<keyof typeof modes>({ enum: Object.keys(modes), title: 'Output', default: 'transparent', description: 'transparent: the window and its glow, laid over the scene where it belongs (a still of the chrome, the screen in H.264, its static as a short loop, the transitions in ProRes 4444 with alpha); opaque: the window on the background colour, full frame (H.264).' }),
  background: Type.String({ title: 'Background (opaque mode)', pattern: '^#[0-9a-fA-F]{6}$', default: '#000000' }),
  windowX: fraction('Window left', 0.17, 'Left edge as a fraction of the picture width.'),
  windowY: fraction('Window top', 0.14, 'Top edge as a fraction of the picture height.'),
  windowWidth: fraction('Window width', 0.66, 'Fraction of the picture width.'),
  windowHeight: fraction('Window height', 0.72, 'Fraction of the picture height.'),
  textSize: Type.Number({ title: 'Text size (px at 1080p)', minimum: 8, maximum: 200, default: 34, description: 'Scaled with the picture, so a 720p preview looks the same.' }),
  charactersPerSecond: Type.Number({ title: 'Typing speed (characters/s)', exclusiveMinimum: 0, maximum: 200, default: timingDefaults.terminal.typedCharactersPerSecond, description: 'Mean pace; the script times blocks at this pace too. Typing that would not fit the block’s slot is sped up to fit.' }),
  typingJitter: Type.Number({ title: 'Typing jitter', minimum: 0, maximum: 1, default: 0.5, description: '0: metronome; 1: uneven, hesitant. Seeded by the block, so renders repeat exactly.' }),
  enterSeconds: Type.Number({ title: 'Pause after a command (s)', minimum: 0, maximum: 10, default: timingDefaults.terminal.enterSeconds }),
  outputLineSeconds: Type.Number({ title: 'Time per output line (s)', minimum: 0, maximum: 10, default: timingDefaults.terminal.outputLineSeconds }),
  holdSeconds: Type.Number({ title: 'Hold at the end (s)', minimum: 0, maximum: 30, default: timingDefaults.terminal.holdSeconds, description: 'Time left to read the finished screen (at most half the block).' }),
  cursorBlinkHz: Type.Number({ title: 'Cursor blink rate (Hz)', minimum: 0, maximum: 10, default: 1, description: 'Blinks per second while idle; the cursor stays lit while typing. 0: never blinks.' }),
  transitionIn: Type.Unsafe<TransitionName>({ enum: transitionNames, title: 'Transition in', default: 'glitch' }),
  transitionOut: Type.Unsafe<TransitionName>({ enum: transitionNames, title: 'Transition out', default: 'glitch' }),
  transitionSeconds: Type.Number({ title: 'Transition length (s)', minimum: 0.05, maximum: 3, default: 0.3 }),
  scanlines: effect('Scanlines', 'Dark lines between the raster lines.'),
  noise: effect('Static', 'Animated grain on the tube.'),
  glow: effect('Glow', 'Phosphor bloom around text and the light spilling around the window.'),
  curvature: effect('Curvature', 'Bulge of the tube: text bends toward the rim, corners darken.'),
  flicker: effect('Flicker', 'Brightness wobble and the slow refresh band.'),
});
export type TerminalParams = Static<typeof terminalParams>;

function parseHex(hex: string): Rgb {
  const value = Number.parseInt(hex.slice(1), 16);
  return [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

/** The window in picture pixels (even, so chroma-subsampled codecs place it exactly), checked to lie inside the picture. */
function windowRect(params: TerminalParams, format: VideoFormat): Rect {
  const even = (value: number): number => 2 * Math.round(value / 2);
  const rect = { x: even(params.windowX * format.width), y: even(params.windowY * format.height), width: even(params.windowWidth * format.width), height: even(params.windowHeight * format.height) };
  if (rect.width < 64 || rect.height < 48) {
    throw new PermanentError(`the terminal window is ${rect.width}×${rect.height} px; it needs at least 64×48`, { location: { param: '/windowWidth' } });
  }
  if (rect.x + rect.width > format.width || rect.y + rect.height > format.height) {
    throw new PermanentError(`the terminal window (${rect.x},${rect.y} ${rect.width}×${rect.height}) does not fit the ${format.width}×${format.height} picture`, { location: { param: '/windowX' } });
  }
  return rect;
}

export interface TerminalPlan {
  format: VideoFormat;
  settings: RenderSettings;
  geometry: TerminalGeometry;
  timeline: Timeline;
  frameCount: number;
}

/**
 * Everything about a block's clip except its pixels: picture, window, grid,
 * and the typing timeline fitted into the block's slot (exported so tests
 * know which frame shows which character).
 */
export function planTerminal(segment: Segment & { terminal: NonNullable<Segment['terminal']> }, params: TerminalParams): TerminalPlan {
  const format = resolveFormat(params);
  const base = terminalThemes[params.theme];
  const theme = { ...base, font: params.font ?? base.font };
  const effects = Object.fromEntries(effectNames.map((name) => [name, params[name] ?? base.effects[name]])) as unknown as EffectLevels;
  const duration = segment.timing.duration;
  const frameCount = frameCountOf(duration, format.fps);
  const settings: RenderSettings = {
    format,
    window: windowRect(params, format),
    theme,
    effects,
    textSize: params.textSize * (Math.min(format.width, format.height) / 1080),
    cursorBlinkHz: params.cursorBlinkHz,
    transitionIn: params.transitionIn,
    transitionOut: params.transitionOut,
    transitionSeconds: Math.min(params.transitionSeconds, duration / 4),
    duration: frameCount / format.fps,
    ...(params.mode === 'opaque' ? { opaqueBackground: parseHex(params.background) } : {}),
    seed: seedOf(segment.id),
  };
  const geometry = terminalGeometry(settings, loadTerminalFont(theme.font));
  const natural = buildTimeline(segment.terminal.lines, geometry.columns, {
    charactersPerSecond: params.charactersPerSecond,
    jitter: params.typingJitter,
    enterSeconds: params.enterSeconds,
    outputLineSeconds: params.outputLineSeconds,
    seed: segment.id,
  });
  // Typing starts once the window has arrived and must leave the hold (and the exit) free; a block too short for its text types faster.
  const start = params.transitionIn === 'none' ? 0 : settings.transitionSeconds;
  const latestEnd = settings.duration - Math.max(Math.min(params.holdSeconds, settings.duration / 2), params.transitionOut === 'none' ? 0 : settings.transitionSeconds);
  const factor = natural.end > 0 ? Math.min(1, Math.max(0, latestEnd - start) / natural.end) : 1;
  return { format, settings, geometry, timeline: retime(natural, factor, start), frameCount };
}

/**
 * What a listener should hear of the animation, in seconds from the clip's
 * start: the tube powering on as the window arrives, each typed character,
 * each Enter, each printed line, and the tube going off as it leaves.
 */
export function terminalEvents(plan: Pick<TerminalPlan, 'settings' | 'timeline'>): OverlayEvent[] {
  const { settings, timeline } = plan;
  const round = (time: number): number => Math.round(time * 10_000) / 10_000;
  const events: OverlayEvent[] = [
    { time: 0, kind: 'power-on' },
    ...timeline.keys.map((time) => ({ time: round(time), kind: 'key' as const })),
    ...timeline.enters.map((time) => ({ time: round(time), kind: 'enter' as const })),
    ...timeline.prints.map((time) => ({ time: round(time), kind: 'print' as const })),
    { time: round(Math.max(0, settings.duration - (settings.transitionOut === 'none' ? 0.05 : settings.transitionSeconds))), kind: 'power-off' },
  ];
  return events.filter((event) => event.time <= settings.duration).sort((a, b) => a.time - b.time);
}

export function terminalSegment(segment: Segment): Segment & { terminal: NonNullable<Segment['terminal']> } {
  if (segment.kind !== 'terminal' || !segment.terminal) {
    throw new PermanentError(`segment ${segment.id} (line ${segment.line}) is ${segment.kind}, not a terminal block; wire the script's terminals port`, { location: { line: segment.line } });
  }
  if (segment.terminal.lines.length === 0) throw new PermanentError(`terminal block ${segment.id} (line ${segment.line}) has no lines`, { location: { line: segment.line } });
  return segment as Segment & { terminal: NonNullable<Segment['terminal']> };
}

/** Progress over several encodes: each reports its own fraction of `frames` frames, `done` frames in. */
const progressOf = (ctx: NodeContext<TerminalParams>, done: number, frames: number, total: number) => (fraction: number) => {
  const frame = done + Math.round(fraction * frames);
  ctx.progress(frame / total, `frame ${frame}/${total}`);
};

/**
 * The block as one clip: transparent, the drawn region (ProRes 4444) laid at its place; opaque, ffmpeg pads it to the
 * full picture on the background colour (H.264).
 */
async function renderWhole(ctx: NodeContext<TerminalParams>, segment: Segment, plan: TerminalPlan, renderer: TerminalRenderer): Promise<Pick<Overlay, 'clip' | 'position'>> {
  const { params } = ctx;
  const { format, frameCount } = plan;
  const mode = modes[params.mode];
  const { region } = renderer.geometry;
  const picture = mode.padColour ? format : { width: region.width, height: region.height, fps: format.fps };
  const output = join(await ctx.tempDir(), `terminal.${clipCodecs[mode.codec].extension}`);
  await encodeFrames({
    format: { width: region.width, height: region.height, fps: format.fps },
    frameCount,
    codec: mode.codec,
    output,
    signal: ctx.signal,
    ...(mode.padColour ? { extraArgs: ['-vf', `pad=${format.width}:${format.height}:${region.x}:${region.y}:color=${mode.padColour(params.background)}`] } : {}),
    renderFrame: (index) => renderer.frame(index),
    onProgress: progressOf(ctx, 0, frameCount, frameCount),
  });
  const clip = await storeClip(ctx.artifacts, output, { format: picture, duration: plan.settings.duration, codec: mode.codec, name: `terminal-${segment.id}.${clipCodecs[mode.codec].extension}`, sceneId: segment.sceneId, provider: 'overlay.terminal' });
  return { clip: { ...clip, width: picture.width, height: picture.height }, ...(mode.padColour ? {} : { position: { x: region.x, y: region.y } }) };
}

/**
 * The transparent block as layers: the chrome (halo, bezel) as one still, the screen as an opaque H.264 clip of its
 * own size over it, the static over that as a short ProRes 4444 loop, and each transition, which redraws the whole
 * window, as a short ProRes 4444 clip of the region. One region-sized ProRes clip cost more to encode than the
 * drawing, and every render piece decoded it at about 30 ms a frame (the screen's H.264: 7); most of it never changes.
 */
async function renderLayers(ctx: NodeContext<TerminalParams>, segment: Segment, plan: TerminalPlan, renderer: TerminalRenderer): Promise<OverlayLayer[]> {
  const { format, frameCount } = plan;
  const { region, screen } = renderer.geometry;
  const dir = await ctx.tempDir();
  const transitions = renderer.transitionFrames(frameCount);
  const steady = { from: transitions.in, to: frameCount - transitions.out };
  const at = { x: region.x, y: region.y };
  const seconds = (frames: number): number => frames / format.fps;
  const origin = { sceneId: segment.sceneId, provider: 'overlay.terminal' };
  const layers: OverlayLayer[] = [];

  /** Draws a layer's frames into its own clip, stores it and adds it to the layers, at `start` seconds for `duration`. */
  const encodeLayer = async (layer: {
    name: string;
    picture: VideoFormat;
    frames: number;
    codec: ClipCodecName;
    renderFrame: FrameEncodeOptions['renderFrame'];
    position: { x: number; y: number };
    start: number;
    duration: number;
    /** The frame of the block its first frame is, for progress; absent: no progress (a loop repeats frames already counted). */
    progressFrom?: number;
    loop?: true;
  }): Promise<void> => {
    const { name, picture, frames, codec, position, start, duration } = layer;
    const extension = clipCodecs[codec].extension;
    const output = join(dir, `${name}.${extension}`);
    await encodeFrames({
      format: picture,
      frameCount: frames,
      codec,
      output,
      signal: ctx.signal,
      renderFrame: layer.renderFrame,
      ...(layer.progressFrom === undefined ? {} : { onProgress: progressOf(ctx, layer.progressFrom, frames, frameCount) }),
    });
    const clip = await storeClip(ctx.artifacts, output, { format: picture, duration: frames / picture.fps, codec, name: `terminal-${segment.id}-${name}.${extension}`, ...origin });
    layers.push({ name, clip: { ...clip, width: picture.width, height: picture.height }, position, start, duration, ...(layer.loop ? { loop: layer.loop } : {}) });
  };
  const regionPicture = { width: region.width, height: region.height, fps: format.fps };
  const encodeTransition = (name: 'in' | 'out', from: number, frames: number): Promise<void> =>
    encodeLayer({ name, picture: regionPicture, frames, codec: 'prores4444', renderFrame: (index) => renderer.frame(from + index), position: at, start: seconds(from), duration: seconds(frames), progressFrom: from });

  if (transitions.in > 0) await encodeTransition('in', 0, transitions.in);
  if (steady.to > steady.from) {
    const frames = steady.to - steady.from;
    const start = seconds(steady.from);
    const duration = seconds(frames);
    const chrome = await ctx.artifacts.put(
      { data: await renderer.chromePng() },
      { mime: 'image/png', name: `terminal-${segment.id}-chrome.png`, meta: { width: region.width, height: region.height, duration } },
    );
    layers.push({ name: 'chrome', clip: { ...chrome, width: region.width, height: region.height, duration, ...origin }, position: at, start, duration });
    const picture = { width: screen.width, height: screen.height, fps: format.fps };
    const onScreen = { x: region.x + screen.x, y: region.y + screen.y };
    await encodeLayer({ name: 'screen', picture, frames, codec: 'h264', renderFrame: (index) => renderer.screen(steady.from + index), position: onScreen, start, duration, progressFrom: steady.from });
    // The static is new random grain 15 times a second: no codec predicts it, and in the screen's clip it cost its
    // encode two thirds and its bytes all but a thirtieth. A short loop of it, laid over the screen, looks the same.
    // A picture a tick, at the tick rate: a render piece holds the loop's decoded pictures, so none twice.
    const grain = renderer.staticFrames(steady.from, frames);
    if (grain.length > 0) {
      await encodeLayer({ name: 'static', picture: { ...picture, fps: EFFECT_HZ }, frames: grain.length, codec: 'prores4444', renderFrame: (index) => grain[index]!, position: onScreen, start, duration, loop: true });
    }
  }
  if (transitions.out > 0) await encodeTransition('out', steady.to, transitions.out);
  return layers;
}

export default defineNode({
  type: 'overlay.terminal',
  version: 1,
  title: 'Terminal overlay',
  category: 'overlay',
  description:
    'Animates each terminal block of the script as a retro terminal — typed commands with human rhythm, printed output, blinking cursor, CRT glow, scanlines, static and glitch transitions — lasting exactly the block’s slot: the window and its glow, placed over the scene where it belongs (layers: the chrome a still, the screen H.264, its static a short loop, the transitions ProRes 4444 with alpha), or full frame on a background colour (H.264).',
  inputs: [{ name: 'terminals', type: 'Segment', list: true, title: 'Terminal blocks', description: 'The script’s terminal blocks (script node → terminals).' }],
  outputs: [{ name: 'overlays', type: 'Overlay', list: true, title: 'Overlays', description: 'One per block: its clip or layers and where to lay each, duration, the segment it belongs to (its cue), where the window sits and its sound events.' }],
  params: terminalParams,
  resource: 'cpu',
  cacheable: true,
  mapOver: 'terminals',
  timeoutMs: 600_000,
  // Overlays carry their sound events since 'events', and are window-sized (placed by position) since 'placed': one cached before is full-frame.
  // Transparent ones are layers (chrome, screen, static, transitions) since 'layers, static': one cached before is a
  // single ProRes clip, or a screen with the static in it.
  cacheIdentity: () => 'events, placed, layers, static',
  // The picture depends on the lines, the slot's length and the params — not on where the block sits: an edit earlier in
  // the episode moves every later block, and must not re-render them. Placement comes from the segment id (Pacing).
  cacheKeyInputs(inputs, params) {
    const { id, sceneId, kind, terminal, timing } = inputs.terminals as Segment;
    return { segment: { id, sceneId, kind, terminal, duration: timing.duration }, params };
  },
  async execute(ctx: NodeContext<TerminalParams>) {
    const segment = terminalSegment(ctx.inputs.terminals as Segment);
    const { params } = ctx;
    const plan = planTerminal(segment, params);
    const renderer = new TerminalRenderer(plan.timeline, plan.settings);
    const common = {
      kind: 'terminal',
      sceneId: segment.sceneId,
      segmentId: segment.id,
      duration: segment.timing.duration,
      window: { ...plan.settings.window },
      events: terminalEvents(plan),
    };
    if (params.mode === 'transparent' && renderer.opaqueTube) return { overlays: { ...common, layers: await renderLayers(ctx, segment, plan, renderer) } };
    return { overlays: { ...common, ...(await renderWhole(ctx, segment, plan, renderer)) } };
  },
});

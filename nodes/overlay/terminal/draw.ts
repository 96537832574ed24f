/**
 * Frames of a terminal block. Only the window and its glow are drawn (the
 * "region"): whole for a transition or a one-clip overlay (`frame`), or as
 * the screen alone (`screen`) over a still of the chrome (`chromePng`). Work
 * is spent where the picture changes:
 *
 * - chrome (halo, bezel, tube) is drawn and read back once; each frame reads
 *   back only the screen and copies it into a copy of those pixels;
 * - the text layer — glyphs, their glow, scanlines and vignette already
 *   applied — is redrawn only when a character appears or the view scrolls,
 *   so a frame is three full-screen passes: tube, text, static;
 * - static and flicker advance on a 15 Hz effect clock, so at 30 fps every
 *   other frame can repeat;
 * - a frame whose state matches the previous one returns the previous pixels
 *   without drawing or reading back (reading back costs more than drawing).
 *
 * Pixels are straight alpha, which is what ffmpeg's `rgba` expects. The
 * chrome (with the glow's partial alpha) and transitions come from
 * getImageData, which un-premultiplies. The screen is opaque wherever the
 * tube is (phosphor only adds light), and an opaque pixel is the same bytes
 * premultiplied or not, so it is read with `canvas.data()`, without the
 * conversion (about 1 ms of a 14 ms frame at 1080p).
 */
import { createCanvas, type Canvas } from '../../video/canvas.js';
import type { VideoFormat } from '../../video/profiles.js';
import type { CellStyle } from './ansi.js';
import { drawLiveEffects, drawStatic, glassLayer, noiseTiles, roundRect, STATIC_ALPHA, transitions, type Rect, type TransitionName } from './effects.js';
import { loadTerminalFont, type LoadedFont } from './font.js';
import { drawShapeGlyph, isShapeGlyph, REPLACEMENT } from './glyphs.js';
import { mulberry32 } from '../../../runtime/util/random.js';
import { css, resolveColour, type EffectLevels, type Rgb, type TerminalTheme } from './themes.js';
import { cursorAt, cursorOn, visibleCount, type PlacedCell, type Timeline } from './typing.js';

/** Static and flicker change this many times a second, whatever the frame rate. */
export const EFFECT_HZ = 15;
const NOISE_TILES = 4;
/** The static's own layer repeats after this many effect ticks (0.53 s): random grain shows no seam, and a render piece holds them all. */
export const STATIC_LOOP_TICKS = 8;

export interface RenderSettings {
  format: VideoFormat;
  /** The terminal window in picture pixels. */
  window: Rect;
  theme: TerminalTheme;
  effects: EffectLevels;
  /** Text size in picture pixels (before the font's own size scale). */
  textSize: number;
  cursorBlinkHz: number;
  transitionIn: TransitionName;
  transitionOut: TransitionName;
  transitionSeconds: number;
  duration: number;
  /** Paint the region with this colour instead of leaving it transparent. */
  opaqueBackground?: Rgb;
  seed: number;
}

export interface TerminalGeometry {
  /** What is drawn, in picture pixels: the window plus its glow, inside the picture. */
  region: Rect;
  /** In region coordinates. */
  window: Rect;
  screen: Rect;
  windowRadius: number;
  screenRadius: number;
  /** The text grid, in screen coordinates. */
  text: Rect;
  cell: { width: number; height: number; ascent: number };
  columns: number;
  rows: number;
  fontPx: number;
  /** Picture scale against 1080 lines. */
  scale: number;
}

/** Where everything goes. Pure arithmetic plus one text measurement. */
export function terminalGeometry(settings: Pick<RenderSettings, 'format' | 'window' | 'theme' | 'effects' | 'textSize'>, font: LoadedFont): TerminalGeometry {
  const { format, theme, effects } = settings;
  const scale = Math.min(format.width, format.height) / 1080;
  const fontPx = Math.max(4, settings.textSize * font.sizeScale);
  const probe = createCanvas(8, 8).getContext('2d');
  probe.font = `${fontPx}px ${font.families}`;
  const metrics = probe.measureText('M');
  const cell = { width: metrics.width, height: Math.ceil(metrics.fontBoundingBoxAscent + metrics.fontBoundingBoxDescent), ascent: metrics.fontBoundingBoxAscent };

  // Even, as the window's corner is: the region is laid at its corner, and 4:2:0 pictures place on even pixels exactly.
  const margin = 2 * Math.ceil(((effects.glow > 0 ? 56 : 28) * scale) / 2);
  const x0 = Math.max(0, settings.window.x - margin);
  const y0 = Math.max(0, settings.window.y - margin);
  const region = {
    x: x0,
    y: y0,
    width: Math.min(format.width, settings.window.x + settings.window.width + margin) - x0,
    height: Math.min(format.height, settings.window.y + settings.window.height + margin) - y0,
  };
  const window = { x: settings.window.x - x0, y: settings.window.y - y0, width: settings.window.width, height: settings.window.height };
  const short = Math.min(window.width, window.height);
  const crt = theme.chrome === 'crt';
  // Even, as the window is, so the screen sits on even pixels too: the layered overlay lays it as a 4:2:0 clip of its own.
  const bezel = crt ? 2 * Math.round(short * 0.0225) : 0;
  const titleBar = crt ? 0 : 2 * Math.round(17 * scale);
  const screen = { x: window.x + bezel, y: window.y + bezel + titleBar, width: window.width - 2 * bezel, height: window.height - 2 * bezel - titleBar };
  const padding = Math.round(cell.height * 0.6);
  const text = { x: padding, y: padding, width: Math.max(cell.width, screen.width - 2 * padding), height: Math.max(cell.height, screen.height - 2 * padding) };
  return {
    region,
    window,
    screen,
    windowRadius: Math.round(short * (crt ? 0.05 : 0.015)),
    screenRadius: Math.round(short * (crt ? 0.06 : 0.01)),
    text,
    cell,
    columns: Math.max(1, Math.floor(text.width / cell.width)),
    rows: Math.max(1, Math.floor(text.height / cell.height)),
    fontPx,
    scale,
  };
}

export class TerminalRenderer {
  readonly geometry: TerminalGeometry;
  private readonly font: LoadedFont;
  private readonly chrome: Canvas;
  /** The chrome's pixels: every frame starts as a copy. */
  private readonly template: Uint8Array;
  /**
   * Whether every pixel of the tube is opaque, so the screen can be read back premultiplied (see above), and travel
   * without alpha as a clip of its own over a still of the chrome (`screen`, `chromePng`).
   */
  readonly opaqueTube: boolean;
  /** The empty tube with scanlines and vignette, in screen coordinates. */
  private readonly tube: Canvas;
  private readonly glass: Canvas;
  /** The chrome over the screen's bounding box outside its rounded corners. */
  private readonly corners: Canvas;
  private readonly tiles: Canvas[];
  private readonly cursorSprite: Canvas;
  private readonly glyphLayer: Canvas;
  private readonly glowLayer: Canvas;
  /** Glyphs plus glow, with the glass applied: what a frame adds to the tube. */
  private readonly textLayer: Canvas;
  private readonly screenCanvas: Canvas;
  private readonly stage: Canvas;
  /** What a transition frame is drawn into. */
  private readonly transitionCanvas: Canvas;
  private textKey = '';
  private frameKey = '';
  private pixels: Uint8Array | undefined;
  private screenKey = '';
  private screenPixels: Uint8Array | undefined;
  /**
   * Steady frames are drawn into these in turn. Each needs all of a frame's pixels, and a fresh buffer a frame cost
   * the drawing thread about a quarter of its time in the kernel, faulting in and zeroing new pages.
   */
  private readonly buffers: Uint8Array[] = [];
  /** Frames drawn (not repeated), for the bench. */
  drawn = 0;

  constructor(
    private readonly timeline: Timeline,
    private readonly settings: RenderSettings,
  ) {
    this.font = loadTerminalFont(settings.theme.font);
    const g = (this.geometry = terminalGeometry(settings, this.font));
    const { width, height } = g.screen;
    this.chrome = this.drawChrome();
    const image = this.chrome.getContext('2d').getImageData(0, 0, g.region.width, g.region.height);
    this.template = new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    this.glass = glassLayer(width, height, settings.effects, g.scale);
    this.tube = createCanvas(width, height);
    const tube = this.tube.getContext('2d');
    tube.drawImage(this.chrome, g.screen.x, g.screen.y, width, height, 0, 0, width, height);
    tube.drawImage(this.glass, 0, 0);
    this.opaqueTube = everyPixelOpaque(this.tube.data());
    this.corners = createCanvas(width, height);
    const corners = this.corners.getContext('2d');
    corners.drawImage(this.chrome, g.screen.x, g.screen.y, width, height, 0, 0, width, height);
    corners.globalCompositeOperation = 'destination-out';
    roundRect(corners, { x: 0, y: 0, width, height }, g.screenRadius);
    corners.fill();
    this.tiles = settings.effects.noise > 0 ? noiseTiles(NOISE_TILES, Math.max(1, Math.round(2 * g.scale)), mulberry32(settings.seed)) : [];
    this.cursorSprite = this.drawCursorSprite();
    this.glyphLayer = createCanvas(width, height);
    this.glowLayer = createCanvas(Math.max(1, Math.ceil(width / 4)), Math.max(1, Math.ceil(height / 4)));
    this.textLayer = createCanvas(width, height);
    this.screenCanvas = createCanvas(width, height);
    this.stage = createCanvas(g.region.width, g.region.height);
    this.transitionCanvas = createCanvas(g.region.width, g.region.height);
  }

  /**
   * Straight-alpha RGBA of the region for frame `index`. The same buffer comes back when nothing changed; a new frame
   * may be drawn into the buffer of the frame before last, which the frame encoder is done with by then (see
   * `renderFrame` in frame-encoder.ts): copy a frame to keep it.
   */
  frame(index: number): Uint8Array {
    const state = this.stateAt(index);
    const transition = this.transitionAt(state.t);
    const frameKey = `${state.key}/${transition ? `${transition.name}${index}` : ''}`;
    if (frameKey === this.frameKey && this.pixels) return this.pixels;
    this.drawScreen(state);
    this.pixels = transition ? this.transitionFrame(transition, index) : this.screenFrame();
    this.frameKey = frameKey;
    this.drawn += 1;
    return this.pixels;
  }

  /**
   * The screen alone at frame `index`, transitions and static left out: opaque RGBA of `geometry.screen`'s size, its
   * rounded corners filled with the chrome, so laid over `chromePng` at the screen's place, under `staticFrames`, it is
   * the steady frame. Only for an opaque tube. The same buffer comes back when nothing changed; a new one otherwise
   * (the canvas reads back into a fresh buffer every time).
   */
  screen(index: number): Uint8Array {
    if (!this.opaqueTube) throw new Error('the screen has translucent pixels: it needs the chrome under it, in frame()');
    const state = this.stateAt(index);
    if (state.key === this.screenKey && this.screenPixels) return this.screenPixels;
    this.drawScreen(state, false);
    this.screenPixels = this.screenCanvas.data();
    this.screenKey = state.key;
    this.drawn += 1;
    return this.screenPixels;
  }

  /** The chrome (halo, bezel, empty tube) as a PNG of the region, straight alpha: the still under `screen`. */
  chromePng(): Promise<Buffer> {
    return this.chrome.encode('png');
  }

  /**
   * The static's loop for a layer of `frames` frames from frame `first`: a picture a tick (at EFFECT_HZ) from the tick
   * frame `first` shows, for as many ticks as the layer lasts up to STATIC_LOOP_TICKS, each as `frame` adds it to the
   * tube: straight-alpha RGBA of `geometry.screen`'s size, white, as opaque as the grain is
   * bright, clear outside the screen's rounded corners. Laid over the screen (alpha over, where the tube adds light) it
   * is the same within a few levels on the dark tube. None when the theme has no static.
   */
  staticFrames(first: number, frames: number): Uint8Array[] {
    const { geometry: g, settings } = this;
    if (settings.effects.noise <= 0 || this.tiles.length === 0) return [];
    const ticks = Math.min(STATIC_LOOP_TICKS, Math.ceil((frames / settings.format.fps) * EFFECT_HZ));
    const { width, height } = g.screen;
    const mask = createCanvas(width, height);
    const maskCtx = mask.getContext('2d');
    maskCtx.fillStyle = '#fff';
    roundRect(maskCtx, { x: 0, y: 0, width, height }, g.screenRadius);
    maskCtx.fill();
    const coverage = mask.data();
    const grain = createCanvas(width, height);
    const ctx = grain.getContext('2d');
    const level = STATIC_ALPHA * settings.effects.noise;
    const firstTick = Math.floor((first / settings.format.fps) * EFFECT_HZ);
    return Array.from({ length: ticks }, (_, i) => {
      drawStatic(ctx, g.screen, this.tiles, firstTick + i, settings.seed);
      const grey = grain.data();
      const pixels = new Uint8Array(width * height * 4).fill(255);
      for (let p = 0; p < width * height; p++) pixels[p * 4 + 3] = Math.round((grey[p * 4]! * level * coverage[p * 4 + 3]!) / 255);
      return pixels;
    });
  }

  /** How many frames at the start and at the end of `frameCount` are the transitions' (drawn whole by `frame`). */
  transitionFrames(frameCount: number): { in: number; out: number } {
    const phaseOf = (index: number): 'in' | 'out' | undefined => this.transitionAt(index / this.settings.format.fps)?.phase;
    let first = 0;
    while (first < frameCount && phaseOf(first) === 'in') first++;
    let last = frameCount;
    while (last > first && phaseOf(last - 1) === 'out') last--;
    return { in: first, out: frameCount - last };
  }

  /** What frame `index` shows, as a key equal for frames that look the same (transitions aside). */
  private stateAt(index: number): { t: number; key: string; visible: number; top: number; cursor: { row: number; col: number } | undefined; tick: number } {
    const { settings, timeline, geometry: g } = this;
    const t = index / settings.format.fps;
    const visible = visibleCount(timeline, t);
    const cursor = cursorAt(timeline, t);
    const top = Math.max(0, cursor.row - g.rows + 1);
    const lit = cursorOn(cursor, t, settings.cursorBlinkHz);
    const live = settings.effects.noise > 0 || settings.effects.flicker > 0;
    const tick = live ? Math.floor(t * EFFECT_HZ) : 0;
    const key = `${visible}/${top}/${lit ? `${cursor.row},${cursor.col}` : '-'}/${tick}`;
    return { t, key, visible, top, cursor: lit ? cursor : undefined, tick };
  }

  private drawScreen(state: { visible: number; top: number; cursor: { row: number; col: number } | undefined; tick: number }, withStatic = true): void {
    const textKey = `${state.visible}/${state.top}`;
    if (textKey !== this.textKey) this.drawText(state.visible, state.top);
    this.textKey = textKey;
    this.composeScreen(state.cursor, state.top, state.tick, withStatic);
  }

  /** The chrome's pixels with the screen's copied in, row by row, in the buffer not holding the last frame (the encoder may still be writing that one, and the same buffer again would say the frame repeats). */
  private screenFrame(): Uint8Array {
    const { screen, region } = this.geometry;
    // At most two: one of them is never the last frame.
    let pixels = this.buffers.find((buffer) => buffer !== this.pixels);
    if (!pixels) this.buffers.push((pixels = new Uint8Array(this.template.length)));
    pixels.set(this.template);
    const data = this.opaqueTube ? this.screenCanvas.data() : this.screenCanvas.getContext('2d').getImageData(0, 0, screen.width, screen.height).data;
    const row = screen.width * 4;
    for (let y = 0; y < screen.height; y++) {
      pixels.set(data.subarray(y * row, (y + 1) * row), ((screen.y + y) * region.width + screen.x) * 4);
    }
    return pixels;
  }

  private transitionFrame(transition: { name: TransitionName; presence: number }, index: number): Uint8Array {
    const { settings, geometry: g } = this;
    const stage = this.stage.getContext('2d');
    stage.clearRect(0, 0, g.region.width, g.region.height);
    stage.drawImage(this.chrome, 0, 0);
    stage.drawImage(this.screenCanvas, g.screen.x, g.screen.y);
    const ctx = this.transitionCanvas.getContext('2d');
    // Cleared, and every setting back to its default, as a new canvas would be.
    ctx.reset();
    if (settings.opaqueBackground) {
      ctx.fillStyle = css(settings.opaqueBackground);
      ctx.fillRect(0, 0, g.region.width, g.region.height);
    }
    transitions[transition.name]?.(transition.presence, {
      out: ctx,
      stage: this.stage,
      chrome: this.chrome,
      window: g.window,
      screen: g.screen,
      screenRadius: g.screenRadius,
      theme: settings.theme,
      random: mulberry32(settings.seed ^ Math.imul(index + 1, 0x85ebca6b)),
    });
    const image = ctx.getImageData(0, 0, g.region.width, g.region.height);
    return new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  }

  private transitionAt(t: number): { phase: 'in' | 'out'; name: TransitionName; presence: number } | undefined {
    const { transitionIn, transitionOut, transitionSeconds: seconds, duration } = this.settings;
    if (transitionIn !== 'none' && t < seconds) return { phase: 'in', name: transitionIn, presence: t / seconds };
    if (transitionOut !== 'none' && t >= duration - seconds) return { phase: 'out', name: transitionOut, presence: Math.max(0, (duration - t - 1 / this.settings.format.fps) / seconds) };
    return undefined;
  }

  private drawChrome(): Canvas {
    const { geometry: g, settings } = this;
    const { theme, effects } = settings;
    const canvas = createCanvas(g.region.width, g.region.height);
    const ctx = canvas.getContext('2d');
    if (settings.opaqueBackground) {
      ctx.fillStyle = css(settings.opaqueBackground);
      ctx.fillRect(0, 0, g.region.width, g.region.height);
    }
    // The tube lights the air around it; a flat window casts a shadow instead.
    ctx.save();
    ctx.shadowBlur = 40 * g.scale;
    ctx.shadowColor = theme.chrome === 'crt' ? css(theme.glow, 0.45 * effects.glow) : 'rgba(0,0,0,0.55)';
    ctx.shadowOffsetY = theme.chrome === 'crt' ? 0 : 10 * g.scale;
    ctx.fillStyle = css(theme.bezel);
    roundRect(ctx, g.window, g.windowRadius);
    ctx.fill();
    ctx.restore();
    const shade = ctx.createLinearGradient(0, g.window.y, 0, g.window.y + g.window.height);
    shade.addColorStop(0, 'rgba(255,255,255,0.10)');
    shade.addColorStop(0.5, 'rgba(255,255,255,0.02)');
    shade.addColorStop(1, 'rgba(0,0,0,0.25)');
    ctx.fillStyle = shade;
    roundRect(ctx, g.window, g.windowRadius);
    ctx.fill();
    if (theme.chrome === 'window') {
      const r = 6 * g.scale;
      ['#ff5f57', '#febc2e', '#28c840'].forEach((colour, i) => {
        ctx.fillStyle = colour;
        ctx.beginPath();
        ctx.arc(g.window.x + 20 * g.scale + i * 20 * g.scale, g.window.y + (g.screen.y - g.window.y) / 2, r, 0, Math.PI * 2);
        ctx.fill();
      });
    } else {
      // The recess the tube sits in.
      ctx.strokeStyle = 'rgba(0,0,0,0.7)';
      ctx.lineWidth = Math.max(2, 4 * g.scale);
      roundRect(ctx, { x: g.screen.x - 2, y: g.screen.y - 2, width: g.screen.width + 4, height: g.screen.height + 4 }, g.screenRadius + 2);
      ctx.stroke();
    }
    const { x, y, width, height } = g.screen;
    const tube = ctx.createRadialGradient(x + width / 2, y + height / 2, 0, x + width / 2, y + height / 2, Math.hypot(width, height) / 2);
    const lift = (c: Rgb, by: number): Rgb => [Math.min(255, c[0] + by), Math.min(255, c[1] + by), Math.min(255, c[2] + by)];
    tube.addColorStop(0, css(lift(theme.background, theme.chrome === 'crt' ? 10 : 0)));
    tube.addColorStop(1, css(theme.background));
    ctx.fillStyle = tube;
    roundRect(ctx, g.screen, g.screenRadius);
    ctx.fill();
    return canvas;
  }

  private drawCursorSprite(): Canvas {
    const { geometry: g, settings } = this;
    const pad = Math.ceil(8 * g.scale);
    const canvas = createCanvas(Math.ceil(g.cell.width) + 2 * pad, g.cell.height + 2 * pad);
    const ctx = canvas.getContext('2d');
    ctx.shadowColor = css(settings.theme.glow, settings.effects.glow);
    ctx.shadowBlur = 10 * g.scale * settings.effects.glow;
    ctx.fillStyle = css(settings.theme.cursor, 0.9);
    ctx.fillRect(pad, pad, g.cell.width, g.cell.height);
    return canvas;
  }

  /**
   * Slight CRT curvature: the picture bulges, so text near the top and bottom
   * is pulled in horizontally and text near the sides vertically. Each cell is
   * placed and scaled by that map (cheap, and only when the text changes).
   */
  private warp(x: number, y: number): { x: number; y: number; sx: number; sy: number } {
    const { screen } = this.geometry;
    const k = this.settings.effects.curvature * 0.07;
    const [cx, cy] = [screen.width / 2, screen.height / 2];
    const [u, v] = [(x - cx) / cx, (y - cy) / cy];
    const sx = 1 - k * v * v;
    const sy = 1 - k * u * u;
    return { x: cx + (x - cx) * sx, y: cy + (y - cy) * sy, sx, sy };
  }

  private cellColours(style: CellStyle): { fg: Rgb; bg?: Rgb; alpha: number } {
    const { theme } = this.settings;
    // Bold brightens, as on the terminals these themes imitate: a plain colour to its bright twin, default text to the bright tone.
    const fgIndex = style.bold && style.fg !== undefined && style.fg < 8 ? style.fg + 8 : style.fg;
    let fg = fgIndex === undefined ? (style.bold ? theme.bright : theme.foreground) : resolveColour(fgIndex, theme);
    let bg = style.bg === undefined ? undefined : resolveColour(style.bg, theme);
    if (style.inverse) [fg, bg] = [bg ?? theme.background, fg];
    return { fg, ...(bg ? { bg } : {}), alpha: style.dim ? 0.6 : 1 };
  }

  private drawText(visible: number, top: number): void {
    const { geometry: g, timeline, font, settings } = this;
    const ctx = this.glyphLayer.getContext('2d');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, g.screen.width, g.screen.height);
    ctx.textBaseline = 'alphabetic';
    ctx.lang = 'en';
    const fonts = { regular: `${g.fontPx}px ${font.families}`, bold: font.hasBold ? `bold ${g.fontPx}px ${font.families}` : `${g.fontPx}px ${font.families}` };
    let currentFont = '';
    const { width: cw, height: ch, ascent } = g.cell;
    for (let i = 0; i < visible; i++) {
      const cell = timeline.cells[i] as PlacedCell;
      if (cell.row < top || cell.row >= top + g.rows) continue;
      const { fg, bg, alpha } = this.cellColours(cell.style);
      const centre = this.warp(g.text.x + (cell.col + 0.5) * cw, g.text.y + (cell.row - top + 0.5) * ch);
      ctx.setTransform(centre.sx, 0, 0, centre.sy, centre.x, centre.y);
      ctx.globalAlpha = alpha;
      if (bg) {
        ctx.fillStyle = css(bg);
        ctx.fillRect(-cw / 2, -ch / 2, cw + 0.5, ch + 0.5);
      }
      ctx.fillStyle = css(fg);
      if (cell.style.underline) ctx.fillRect(-cw / 2, ch / 2 - Math.max(1, ch * 0.08), cw, Math.max(1, ch * 0.06));
      if (cell.ch === ' ') continue;
      if (isShapeGlyph(cell.ch)) {
        drawShapeGlyph(ctx, cell.ch, -cw / 2, -ch / 2, cw, ch);
        continue;
      }
      const wanted = cell.style.bold ? fonts.bold : fonts.regular;
      if (wanted !== currentFont) ctx.font = currentFont = wanted;
      const glyph = font.covers(cell.ch.codePointAt(0) as number) ? cell.ch : REPLACEMENT;
      ctx.fillText(glyph, -cw / 2, -ch / 2 + ascent);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.globalAlpha = 1;
    const text = this.textLayer.getContext('2d');
    text.clearRect(0, 0, g.screen.width, g.screen.height);
    if (settings.effects.glow > 0) {
      // Bloom: the glyphs drawn small and blurred, scaled back up under the sharp ones.
      const glow = this.glowLayer.getContext('2d');
      glow.clearRect(0, 0, this.glowLayer.width, this.glowLayer.height);
      glow.filter = `blur(${Math.max(1, 2 * g.scale)}px)`;
      glow.drawImage(this.glyphLayer, 0, 0, this.glowLayer.width, this.glowLayer.height);
      glow.filter = 'none';
      text.globalCompositeOperation = 'lighter';
      text.globalAlpha = Math.min(1, 1.4 * settings.effects.glow);
      text.drawImage(this.glowLayer, 0, 0, g.screen.width, g.screen.height);
      text.globalAlpha = 1;
    }
    text.globalCompositeOperation = 'lighter';
    text.drawImage(this.glyphLayer, 0, 0);
    // Scanlines and vignette darken the light itself (only where there is some).
    text.globalCompositeOperation = 'source-atop';
    text.drawImage(this.glass, 0, 0);
    text.globalCompositeOperation = 'source-over';
  }

  /** The screen for one frame: tube, static (unless it is a layer of its own), text (with the tick's brightness), cursor, then the chrome's corners. */
  private composeScreen(cursor: { row: number; col: number } | undefined, top: number, tick: number, withStatic: boolean): void {
    const { geometry: g, settings } = this;
    const ctx = this.screenCanvas.getContext('2d');
    ctx.globalCompositeOperation = 'copy';
    ctx.drawImage(this.tube, 0, 0);
    // Phosphor adds light: text, cursor and static are added to the tube, not painted over it.
    ctx.globalCompositeOperation = 'lighter';
    const brightness = drawLiveEffects(ctx, g.screen, this.tiles, tick, settings.effects, settings.theme, settings.seed, withStatic);
    ctx.globalCompositeOperation = 'lighter';
    ctx.globalAlpha = brightness;
    ctx.drawImage(this.textLayer, 0, 0);
    if (cursor && cursor.row - top < g.rows) {
      const at = this.warp(g.text.x + (cursor.col + 0.5) * g.cell.width, g.text.y + (cursor.row - top + 0.5) * g.cell.height);
      const sprite = this.cursorSprite;
      ctx.drawImage(sprite, at.x - (sprite.width * at.sx) / 2, at.y - (sprite.height * at.sy) / 2, sprite.width * at.sx, sprite.height * at.sy);
    }
    ctx.globalAlpha = 1;
    ctx.globalCompositeOperation = 'source-over';
    ctx.drawImage(this.corners, 0, 0);
  }
}

/** Whether every alpha byte of straight or premultiplied RGBA `pixels` is 255. */
function everyPixelOpaque(pixels: Uint8Array): boolean {
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 255) return false;
  return true;
}

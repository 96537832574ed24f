/**
 * CRT effects. What never changes (scanlines, vignette, glass reflection) is
 * drawn once into a layer; static noise cycles through a few pre-drawn tiles
 * at random offsets; transitions redraw the finished window, so the rest of
 * the frame code knows nothing about them.
 */
import { createCanvas, type Canvas, type SKRSContext2D } from '../../video/canvas.js';
import { mulberry32 } from '../../../runtime/util/random.js';
import { css, type EffectLevels, type TerminalTheme } from './themes.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function roundRect(ctx: SKRSContext2D, rect: Rect, radius: number): void {
  ctx.beginPath();
  ctx.roundRect(rect.x, rect.y, rect.width, rect.height, radius);
}

/** Scanlines, vignette and the glass reflection, in screen coordinates. */
export function glassLayer(width: number, height: number, effects: EffectLevels, scale: number): Canvas {
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  if (effects.scanlines > 0) {
    const period = Math.max(2, Math.round(3 * scale));
    ctx.fillStyle = `rgba(0,0,0,${0.5 * effects.scanlines})`;
    for (let y = 0; y < height; y += period) ctx.fillRect(0, y + period / 2, width, period / 2);
  }
  if (effects.curvature > 0) {
    // A curved tube darkens towards its rim and catches light on its upper left.
    const diagonal = Math.hypot(width, height) / 2;
    const vignette = ctx.createRadialGradient(width / 2, height / 2, diagonal * 0.6, width / 2, height / 2, diagonal);
    vignette.addColorStop(0, 'rgba(0,0,0,0)');
    vignette.addColorStop(1, `rgba(0,0,0,${0.2 + 0.3 * effects.curvature})`);
    ctx.fillStyle = vignette;
    ctx.fillRect(0, 0, width, height);
    const reflection = ctx.createLinearGradient(0, 0, width * 0.45, height * 0.6);
    reflection.addColorStop(0, `rgba(255,255,255,${0.07 * effects.curvature})`);
    reflection.addColorStop(1, 'rgba(255,255,255,0)');
    ctx.fillStyle = reflection;
    ctx.fillRect(0, 0, width, height);
  }
  return canvas;
}

export const NOISE_TILE = 256;

/** Grey static tiles with grains of `grain` px. */
export function noiseTiles(count: number, grain: number, random: () => number): Canvas[] {
  return Array.from({ length: count }, () => {
    const canvas = createCanvas(NOISE_TILE, NOISE_TILE);
    const ctx = canvas.getContext('2d');
    const image = ctx.createImageData(NOISE_TILE, NOISE_TILE);
    for (let y = 0; y < NOISE_TILE; y += grain) {
      for (let x = 0; x < NOISE_TILE; x += grain) {
        // Mostly dark with sparse bright grains, like static on a dim tube.
        const value = Math.floor(255 * random() ** 3);
        for (let dy = 0; dy < grain && y + dy < NOISE_TILE; dy++) {
          for (let dx = 0; dx < grain && x + dx < NOISE_TILE; dx++) {
            const i = ((y + dy) * NOISE_TILE + x + dx) * 4;
            image.data[i] = image.data[i + 1] = image.data[i + 2] = value;
            image.data[i + 3] = 255;
          }
        }
      }
    }
    ctx.putImageData(image, 0, 0);
    return canvas;
  });
}

/** How strongly the static is added to the tube, at a noise level of 1. */
export const STATIC_ALPHA = 0.16;

/** The random numbers of one effect tick: the static's offset first, then the flicker's. */
const tickRandom = (seed: number, tick: number): (() => number) => mulberry32(seed ^ Math.imul(tick + 1, 0x9e3779b1));

/** The static of one effect tick, its grains drawn with `ctx`'s settings (in screen coordinates). */
export function drawStatic(ctx: SKRSContext2D, screen: Pick<Rect, 'width' | 'height'>, tiles: Canvas[], tick: number, seed: number, random = tickRandom(seed, tick)): void {
  const tile = tiles[tick % tiles.length] as Canvas;
  const [ox, oy] = [Math.floor(random() * NOISE_TILE), Math.floor(random() * NOISE_TILE)];
  for (let y = -oy; y < screen.height; y += NOISE_TILE) {
    for (let x = -ox; x < screen.width; x += NOISE_TILE) ctx.drawImage(tile, x, y);
  }
}

/**
 * Static (unless `withStatic` is false: a layer of its own lays it) and the
 * slow bright band of a CRT's refresh for one effect tick, added to the
 * screen (in screen coordinates). Returns the tick's brightness wobble for
 * the text (1 = steady), which costs nothing to apply.
 */
export function drawLiveEffects(ctx: SKRSContext2D, screen: Rect, tiles: Canvas[], tick: number, effects: EffectLevels, theme: TerminalTheme, seed: number, withStatic = true): number {
  const random = tickRandom(seed, tick);
  ctx.globalCompositeOperation = 'lighter';
  if (effects.noise > 0 && tiles.length > 0) {
    if (withStatic) {
      ctx.globalAlpha = STATIC_ALPHA * effects.noise;
      drawStatic(ctx, screen, tiles, tick, seed, random);
      ctx.globalAlpha = 1;
    } else {
      // The same numbers drawn as when the static is here, so the flicker is the same either way.
      random();
      random();
    }
  }
  if (effects.flicker > 0) {
    const height = screen.height * 0.25;
    const y = ((tick * 0.012) % 1.3) * screen.height - height;
    const band = ctx.createLinearGradient(0, y, 0, y + height);
    band.addColorStop(0, css(theme.glow, 0));
    band.addColorStop(0.5, css(theme.glow, 0.05 * effects.flicker));
    band.addColorStop(1, css(theme.glow, 0));
    ctx.fillStyle = band;
    ctx.fillRect(0, Math.max(0, y), screen.width, height);
  }
  ctx.globalCompositeOperation = 'source-over';
  return 1 - 0.12 * effects.flicker * random();
}

export interface TransitionContext {
  out: SKRSContext2D;
  /** The finished window. */
  stage: Canvas;
  /** The window's chrome without screen content (for transitions that animate the tube only). */
  chrome: Canvas;
  window: Rect;
  screen: Rect;
  screenRadius: number;
  theme: TerminalTheme;
  random: () => number;
}

/** A transition draws the window `presence` (0 absent → 1 fully there) into `out`, which starts cleared. */
type Transition = (presence: number, t: TransitionContext) => void;

export const transitions: Record<'glitch' | 'power' | 'none', Transition | undefined> = {
  glitch(presence, { out, stage, window, theme, random }) {
    // Torn horizontal bands, shifted and dropped more the further from settled; a bright tear now and then.
    const chaos = 1 - presence;
    let y = 0;
    while (y < stage.height) {
      const band = Math.max(2, Math.round(stage.height * (0.02 + random() * 0.1)));
      if (random() > chaos * 0.7) {
        const dx = Math.round((random() - 0.5) * 2 * chaos * 0.15 * window.width);
        out.globalAlpha = Math.min(1, 0.35 + presence);
        out.drawImage(stage, 0, y, stage.width, band, dx, y, stage.width, band);
      }
      y += band;
    }
    out.globalAlpha = 1;
    if (random() < chaos) {
      out.globalCompositeOperation = 'lighter';
      out.fillStyle = css(theme.glow, 0.35 * chaos);
      out.fillRect(window.x, window.y + random() * window.height, window.width, Math.max(2, window.height * 0.03 * random()));
      out.globalCompositeOperation = 'source-over';
    }
  },
  power(presence, { out, stage, chrome, screen, screenRadius, theme }) {
    // A tube warming up: a bright line opens into the picture (and closes back into a dot).
    out.drawImage(chrome, 0, 0);
    const cy = screen.y + screen.height / 2;
    out.save();
    roundRect(out, screen, screenRadius);
    out.clip();
    if (presence < 0.4) {
      const width = screen.width * Math.max(0.02, presence / 0.4);
      out.fillStyle = css(theme.bright);
      out.shadowColor = css(theme.glow);
      out.shadowBlur = 12;
      out.fillRect(screen.x + (screen.width - width) / 2, cy - 1.5, width, 3);
    } else {
      const height = Math.max(3, screen.height * ((presence - 0.4) / 0.6) ** 2);
      out.drawImage(stage, screen.x, screen.y, screen.width, screen.height, screen.x, cy - height / 2, screen.width, height);
      out.globalCompositeOperation = 'lighter';
      out.fillStyle = css(theme.bright, 0.5 * (1 - presence));
      out.fillRect(screen.x, cy - height / 2, screen.width, height);
    }
    out.restore();
  },
  none: undefined,
};

export type TransitionName = keyof typeof transitions;
export const transitionNames = Object.keys(transitions) as TransitionName[];

/**
 * Characters terminals use for progress bars and frames, drawn as shapes
 * because the shipped fonts lack them (and a system font must never stand
 * in). Anything else the fonts lack is drawn as REPLACEMENT.
 */
import type { SKRSContext2D } from '../../video/canvas.js';

export const REPLACEMENT = '?';

/** Block elements: [x, y, width, height] in cell units, and opacity. */
const BLOCKS: Record<string, { rect: readonly [number, number, number, number]; alpha: number }> = {
  '█': { rect: [0, 0, 1, 1], alpha: 1 },
  '▀': { rect: [0, 0, 1, 0.5], alpha: 1 },
  '▄': { rect: [0, 0.5, 1, 0.5], alpha: 1 },
  '▌': { rect: [0, 0, 0.5, 1], alpha: 1 },
  '▐': { rect: [0.5, 0, 0.5, 1], alpha: 1 },
  '░': { rect: [0, 0, 1, 1], alpha: 0.25 },
  '▒': { rect: [0, 0, 1, 1], alpha: 0.5 },
  '▓': { rect: [0, 0, 1, 1], alpha: 0.75 },
  '■': { rect: [0.15, 0.25, 0.7, 0.5], alpha: 1 },
};

/** Box drawing: which arms leave the cell centre (left, right, up, down). Heavy and double forms draw as light. */
const BOX: Record<string, string> = {
  '─': 'lr', '━': 'lr', '═': 'lr',
  '│': 'ud', '┃': 'ud', '║': 'ud',
  '┌': 'rd', '┏': 'rd', '╔': 'rd', '╭': 'rd',
  '┐': 'ld', '┓': 'ld', '╗': 'ld', '╮': 'ld',
  '└': 'ru', '┗': 'ru', '╚': 'ru', '╰': 'ru',
  '┘': 'lu', '┛': 'lu', '╝': 'lu', '╯': 'lu',
  '├': 'rud', '┣': 'rud', '╠': 'rud',
  '┤': 'lud', '┫': 'lud', '╣': 'lud',
  '┬': 'lrd', '┳': 'lrd', '╦': 'lrd',
  '┴': 'lru', '┻': 'lru', '╩': 'lru',
  '┼': 'lrud', '╋': 'lrud', '╬': 'lrud',
};

const ARMS: Record<string, (cx: number, cy: number, w: number, h: number) => [number, number, number, number]> = {
  l: (cx, cy) => [0, cy, cx, cy],
  r: (cx, cy, w) => [cx, cy, w, cy],
  u: (cx, cy) => [cx, 0, cx, cy],
  d: (cx, cy, _w, h) => [cx, cy, cx, h],
};

export function isShapeGlyph(ch: string): boolean {
  return ch in BLOCKS || ch in BOX;
}

/** Draws a shape glyph in the current fill colour into the cell at (x, y) of size w × h. */
export function drawShapeGlyph(ctx: SKRSContext2D, ch: string, x: number, y: number, w: number, h: number): void {
  const block = BLOCKS[ch];
  if (block) {
    const [bx, by, bw, bh] = block.rect;
    const alpha = ctx.globalAlpha;
    ctx.globalAlpha = alpha * block.alpha;
    ctx.fillRect(x + bx * w, y + by * h, bw * w, bh * h);
    ctx.globalAlpha = alpha;
    return;
  }
  const thickness = Math.max(1, Math.round(w * 0.12));
  for (const arm of BOX[ch] ?? '') {
    const [x0, y0, x1, y1] = (ARMS[arm] as (typeof ARMS)[string])(w / 2, h / 2, w, h);
    ctx.fillRect(x + Math.min(x0, x1) - thickness / 2, y + Math.min(y0, y1) - thickness / 2, Math.abs(x1 - x0) + thickness, Math.abs(y1 - y0) + thickness);
  }
}

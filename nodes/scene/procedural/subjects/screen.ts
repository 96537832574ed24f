/**
 * A screen close-up: a monitor (on a desk when seen whole) whose text
 * scrolls, with a blinking cursor, its glow on what is around it. The text
 * is set once into a tall opaque strip; a frame shows a window of it, so the
 * screen costs one cropped blit and its bezel one stroke.
 */
import { createCanvas, type SKRSContext2D } from '../../../video/canvas.js';
import { paintGlow } from '../motifs/paint.js';
import { css, mix, scale } from '../palette.js';
import { planeCanvas, type Stage } from '../stage.js';
import { objectBox, objectLayer, roundedRect, SUBJECT_DEPTH, sweepingSpot, type BuiltSubject, type SubjectSetup } from './subject.js';

const ASPECT = 0.62;
/** Lines of text the screen shows at once, and in the strip it scrolls through. */
const VISIBLE_LINES = 13;
const STRIP_LINES = 64;
const LINES_PER_SECOND = 2.4;
const WORDS = ['init', 'signal', 'node', 'sector', 'trace', 'auth', 'ok', 'fail', 'route', 'mem', 'core', 'sync', 'load', 'scan', 'key', 'ping', '0x3f', 'null', 'retry', 'grid', 'echo', 'wake', 'link', 'port'];

export function buildScreen(stage: Stage, setup: SubjectSetup, cutting: boolean): BuiltSubject {
  const { palette, unit } = stage;
  const random = stage.random.fork('screen');
  const box = objectBox(stage, setup.shot, ASPECT);
  const bezel = box.width * 0.035;
  const inner = { x: box.x + bezel, y: box.y + bezel, width: box.width - 2 * bezel, height: box.height - 2 * bezel };
  const glowColour = mix(palette.accent, [255, 255, 255], 0.15);
  const textColour = mix(palette.accent, [255, 255, 255], 0.55);
  const casing = scale(mix(palette.near, [20, 22, 26], 0.6), 0.8);

  // The stand and desk, drawn once, when the shot shows them.
  let still: ReturnType<typeof planeCanvas> | undefined;
  if (setup.shot === 'wide' || setup.shot === 'medium') {
    still = planeCanvas(stage);
    const g = still.g;
    const deskY = box.y + box.height * 1.28;
    g.fillStyle = css(scale(casing, 0.7));
    g.fillRect(0, deskY, stage.plane.width, stage.plane.height - deskY);
    g.fillStyle = css(mix(casing, glowColour, 0.25));
    g.fillRect(0, deskY, stage.plane.width, 2 * unit);
    g.fillStyle = css(casing);
    g.fillRect(box.x + box.width * 0.45, box.y + box.height, box.width * 0.1, deskY - box.y - box.height);
    g.fillRect(box.x + box.width * 0.3, deskY - box.height * 0.04, box.width * 0.4, box.height * 0.04);
  }
  // The monitor itself is drawn each frame, as cheaply as an image of it would be composited: its bezel a stroke
  // round the screen, the screen one opaque blit of the text strip (the monitor would otherwise be composited twice).
  const casingCss = css(casing);
  const powerCss = css(glowColour, 0.9);
  const bezelPath = (c: SKRSContext2D): void => {
    roundedRect(c, box.x + bezel / 2, box.y + bezel / 2, box.width - bezel, box.height - bezel, bezel * 0.6);
    c.strokeStyle = casingCss;
    c.lineWidth = bezel + 1;
    c.stroke();
    c.fillStyle = powerCss;
    c.fillRect(box.x + box.width - bezel * 2.2, box.y + box.height - bezel * 0.6, bezel * 0.5, bezel * 0.25);
  };

  // The text, set once.
  const lineHeight = inner.height / VISIBLE_LINES;
  const strip = createCanvas(Math.ceil(inner.width), Math.ceil(lineHeight * (STRIP_LINES + VISIBLE_LINES)));
  const s = strip.getContext('2d');
  s.fillStyle = css(mix(palette.accent, [0, 0, 0], 0.82));
  s.fillRect(0, 0, strip.width, strip.height);
  s.font = `${Math.max(6, Math.round(lineHeight * 0.62))}px "DejaVu Sans Mono"`;
  s.textBaseline = 'middle';
  const lines: string[] = [];
  for (let n = 0; n < STRIP_LINES; n++) {
    const words = Array.from({ length: random.int(2, 7) }, () => random.pick(WORDS));
    lines.push(`${String(n * 7 + 100).padStart(4, '0')} ${' '.repeat(random.int(0, 3) * 2)}${words.join(' ')}`);
  }
  // The first lines again at the end, so the scroll wraps without a seam.
  [...lines, ...lines.slice(0, VISIBLE_LINES)].forEach((line, n) => {
    s.fillStyle = css(textColour, line.includes('fail') ? 1 : 0.8);
    s.fillText(line, lineHeight * 0.4, (n + 0.5) * lineHeight);
  });
  const spot = setup.prop === 'flashlight' ? sweepingSpot(stage, inner) : undefined;
  const period = STRIP_LINES / LINES_PER_SECOND;

  const layer = objectLayer(still?.canvas, cutting, (c, time) => {
    bezelPath(c);
    const offset = (((time.t % period) + period) % period) * LINES_PER_SECOND * lineHeight;
    c.drawImage(strip, 0, offset, inner.width, inner.height, inner.x, inner.y, inner.width, inner.height);
    // The cursor, blinking on the last line.
    if (Math.floor(time.t * 2.5) % 2 === 0) {
      c.fillStyle = css(textColour);
      c.fillRect(inner.x + lineHeight * 0.4, inner.y + inner.height - lineHeight * 0.9, lineHeight * 0.5, lineHeight * 0.75);
    }
    spot?.(c, time.t);
  });
  const glow = (backdrop: SKRSContext2D): void => paintGlow(backdrop, box.x + box.width / 2, box.y + box.height / 2, box.width * 0.65, glowColour, 0.4);
  return { layers: [layer], glow, depth: SUBJECT_DEPTH, focus: { x: 0.5, y: 0.5 } };
}

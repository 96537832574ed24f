/**
 * A countdown: big digits racing from ten seconds to zero (and round again,
 * so any frame is its time's alone), on a dark panel with a draining bar,
 * in the scene's light colour. Only the digits and the bar are drawn per frame.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { paintGlow } from '../motifs/paint.js';
import { css, mix, scale } from '../palette.js';
import { planeCanvas, type Layer, type Stage } from '../stage.js';
import { objectBox, roundedRect, shownIn, SUBJECT_DEPTH, sweepingSpot, type BuiltSubject, type SubjectSetup } from './subject.js';

/** Seconds from the top of the count to zero. */
export const COUNTDOWN_SECONDS = 10;
const ASPECT = 0.42;

/** What the timer reads at `t`: "00:09.97" down to "00:00.00". */
export function countdownText(t: number): string {
  const left = COUNTDOWN_SECONDS - (((t % COUNTDOWN_SECONDS) + COUNTDOWN_SECONDS) % COUNTDOWN_SECONDS);
  const hundredths = Math.min(COUNTDOWN_SECONDS * 100 - 1, Math.floor(left * 100));
  const seconds = Math.floor(hundredths / 100);
  return `00:${String(seconds).padStart(2, '0')}.${String(hundredths % 100).padStart(2, '0')}`;
}

export function buildTimer(stage: Stage, setup: SubjectSetup, cutting: boolean): BuiltSubject {
  const { palette } = stage;
  const box = objectBox(stage, setup.shot, ASPECT);
  const light = mix(palette.accent, [255, 255, 255], 0.2);
  const panel = scale(mix(palette.near, [14, 14, 16], 0.7), 0.7);

  const still = planeCanvas(stage);
  const g = still.g;
  g.fillStyle = css(panel);
  roundedRect(g, box.x, box.y, box.width, box.height, box.height * 0.08);
  g.fill();
  g.strokeStyle = css(light, 0.35);
  g.lineWidth = Math.max(1, box.height * 0.012);
  g.stroke();
  g.font = `bold ${Math.round(box.height * 0.1)}px "DejaVu Sans Mono"`;
  g.fillStyle = css(light, 0.7);
  g.textBaseline = 'top';
  g.fillText('T-MINUS', box.x + box.width * 0.06, box.y + box.height * 0.08);
  // The unlit segments behind the digits ("88:88.88"), as on a real display.
  const digitFont = `bold ${Math.round(box.height * 0.46)}px "DejaVu Sans Mono"`;
  g.font = digitFont;
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  const digitsY = box.y + box.height * 0.54;
  g.fillStyle = css(light, 0.07);
  g.fillText('88:88.88', box.x + box.width / 2, digitsY);
  const bar = { x: box.x + box.width * 0.06, y: box.y + box.height * 0.84, width: box.width * 0.88, height: box.height * 0.05 };
  g.fillStyle = css(light, 0.12);
  g.fillRect(bar.x, bar.y, bar.width, bar.height);
  const spot = setup.prop === 'flashlight' ? sweepingSpot(stage, box) : undefined;

  const layer: Layer = {
    depth: SUBJECT_DEPTH,
    image: still.canvas,
    opacity: (time) => (shownIn(time.shot, cutting) ? 1 : 0),
    animate(c, time) {
      if (!shownIn(time.shot, cutting)) return;
      const left = 1 - (((time.t % COUNTDOWN_SECONDS) + COUNTDOWN_SECONDS) % COUNTDOWN_SECONDS) / COUNTDOWN_SECONDS;
      // The last second flashes.
      const urgent = left < 0.1 && Math.floor(time.t * 8) % 2 === 0;
      c.font = digitFont;
      c.textAlign = 'center';
      c.textBaseline = 'middle';
      c.fillStyle = css(urgent ? [255, 255, 255] : light);
      c.fillText(countdownText(time.t), box.x + box.width / 2, digitsY);
      c.fillStyle = css(light, 0.85);
      c.fillRect(bar.x, bar.y, bar.width * left, bar.height);
      c.textAlign = 'start';
      c.textBaseline = 'alphabetic';
      spot?.(c, time.t);
    },
  };
  const glow = (backdrop: SKRSContext2D): void => paintGlow(backdrop, box.x + box.width / 2, box.y + box.height / 2, box.width * 0.8, light, 0.3);
  return { layers: [layer], glow, depth: SUBJECT_DEPTH, focus: { x: 0.5, y: 0.52 } };
}

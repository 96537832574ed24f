/**
 * Timers and counters: big digits on a dark panel with a bar under them, in
 * the scene's light colour — a countdown racing from ten seconds to zero, a
 * clock ticking towards midnight, a count climbing, or progress to 100 %.
 * Each reading is a function of the frame's time alone (a countdown comes
 * round again), and only the digits and the bar are drawn per frame.
 */
import type { SKRSContext2D } from '../../../video/canvas.js';
import { paintGlow } from '../motifs/paint.js';
import { css, mix, scale } from '../palette.js';
import { planeCanvas, type Stage } from '../stage.js';
import type { TimerReadout } from './reading.js';
import { objectBox, objectLayer, roundedRect, SUBJECT_DEPTH, sweepingSpot, type BuiltSubject, type SubjectSetup } from './subject.js';

/** Seconds from the top of the count to zero. */
export const COUNTDOWN_SECONDS = 10;
/** Seconds a progress bar takes to fill, before it starts again. */
const PROGRESS_SECONDS = 12;
/** The clock's time at the start of the scene: half a minute to midnight. */
const CLOCK_START = 23 * 3600 + 59 * 60 + 30;
const COUNT_PER_SECOND = 1_337;
const ASPECT = 0.42;

const wrap = (t: number, period: number): number => ((t % period) + period) % period;
const two = (n: number): string => String(n).padStart(2, '0');

/** What the timer reads at `t`: "00:09.97" down to "00:00.00". */
export function countdownText(t: number): string {
  const left = COUNTDOWN_SECONDS - wrap(t, COUNTDOWN_SECONDS);
  const hundredths = Math.min(COUNTDOWN_SECONDS * 100 - 1, Math.floor(left * 100));
  return `00:${two(Math.floor(hundredths / 100))}.${two(hundredths % 100)}`;
}

export interface Readout {
  label: string;
  /** The unlit segments behind the digits. */
  blank: string;
  text(t: number): string;
  /** The bar's fill, 0–1. */
  bar(t: number): number;
}

export const readouts: Readonly<Record<TimerReadout, Readout>> = {
  countdown: { label: 'T-MINUS', blank: '88:88.88', text: countdownText, bar: (t) => 1 - wrap(t, COUNTDOWN_SECONDS) / COUNTDOWN_SECONDS },
  clock: {
    label: 'LOCAL TIME',
    blank: '88:88:88',
    text: (t) => {
      const s = Math.floor(wrap(CLOCK_START + t, 86_400));
      return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
    },
    bar: (t) => wrap(CLOCK_START + t, 60) / 60,
  },
  counter: {
    label: 'COUNT',
    blank: '8,888,888',
    text: (t) => String(Math.floor(Math.max(0, t) * COUNT_PER_SECOND + 1_000_000)).replace(/\B(?=(\d{3})+(?!\d))/g, ','),
    bar: (t) => wrap(Math.max(0, t) * COUNT_PER_SECOND, 1000) / 1000,
  },
  progress: {
    label: 'LOADING',
    blank: '888.8%',
    text: (t) => `${((wrap(t, PROGRESS_SECONDS) / PROGRESS_SECONDS) * 100).toFixed(1)}%`,
    bar: (t) => wrap(t, PROGRESS_SECONDS) / PROGRESS_SECONDS,
  },
};

export function buildTimer(stage: Stage, setup: SubjectSetup, cutting: boolean): BuiltSubject {
  const { palette } = stage;
  const readout = readouts[setup.readout ?? 'countdown'];
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
  g.fillText(readout.label, box.x + box.width * 0.06, box.y + box.height * 0.08);
  const digitFont = `bold ${Math.round(box.height * 0.46)}px "DejaVu Sans Mono"`;
  const digitsWidth = box.width * 0.9;
  g.font = digitFont;
  // Right-aligned, so digits sit on their unlit segments whatever the reading's length.
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  const digitsX = box.x + box.width * 0.95;
  const digitsY = box.y + box.height * 0.54;
  g.fillStyle = css(light, 0.07);
  g.fillText(readout.blank, digitsX, digitsY, digitsWidth);
  const bar = { x: box.x + box.width * 0.06, y: box.y + box.height * 0.84, width: box.width * 0.88, height: box.height * 0.05 };
  g.fillStyle = css(light, 0.12);
  g.fillRect(bar.x, bar.y, bar.width, bar.height);
  const spot = setup.prop === 'flashlight' ? sweepingSpot(stage, box) : undefined;
  const countdown = readout === readouts.countdown;

  const layer = objectLayer(still.canvas, cutting, (c, time) => {
    const fill = readout.bar(time.t);
    // A countdown's last second flashes.
    const urgent = countdown && fill < 0.1 && Math.floor(time.t * 8) % 2 === 0;
    c.font = digitFont;
    c.textAlign = 'right';
    c.textBaseline = 'middle';
    c.fillStyle = css(urgent ? [255, 255, 255] : light);
    c.fillText(readout.text(time.t), digitsX, digitsY, digitsWidth);
    c.fillStyle = css(light, 0.85);
    c.fillRect(bar.x, bar.y, bar.width * fill, bar.height);
    c.textAlign = 'start';
    c.textBaseline = 'alphabetic';
    spot?.(c, time.t);
  });
  const glow = (backdrop: SKRSContext2D): void => paintGlow(backdrop, box.x + box.width / 2, box.y + box.height / 2, box.width * 0.8, light, 0.3);
  return { layers: [layer], glow, depth: SUBJECT_DEPTH, focus: { x: 0.5, y: 0.52 } };
}

/**
 * A chart on a dark panel: bars that rise and settle, a line that runs
 * across, or both (as the brief names a bar chart, a line graph or just a
 * chart), over a grid drawn once. Only bars and line are drawn per frame.
 */
import type { SKRSContext2D } from '../../../video/canvas.js';
import { paintGlow } from '../motifs/paint.js';
import { css, mix, scale } from '../palette.js';
import { planeCanvas, type Stage } from '../stage.js';
import { objectBox, objectLayer, roundedRect, SUBJECT_DEPTH, sweepingSpot, type BuiltSubject, type SubjectSetup } from './subject.js';

const ASPECT = 0.6;
const BARS = 9;
const LINE_POINTS = 36;

export function buildChart(stage: Stage, setup: SubjectSetup, cutting: boolean): BuiltSubject {
  const { palette, unit } = stage;
  const random = stage.random.fork('chart');
  const box = objectBox(stage, setup.shot, ASPECT);
  const light = mix(palette.accent, [255, 255, 255], 0.25);
  const other = mix(palette.accentAlt, [255, 255, 255], 0.3);
  const plot = { x: box.x + box.width * 0.1, y: box.y + box.height * 0.12, width: box.width * 0.84, height: box.height * 0.74 };

  const still = planeCanvas(stage);
  const g = still.g;
  g.fillStyle = css(scale(mix(palette.near, [12, 14, 18], 0.7), 0.7));
  roundedRect(g, box.x, box.y, box.width, box.height, box.height * 0.04);
  g.fill();
  g.strokeStyle = css(light, 0.16);
  g.lineWidth = Math.max(1, unit);
  for (let n = 0; n <= 4; n++) {
    const y = plot.y + (plot.height * n) / 4;
    g.beginPath();
    g.moveTo(plot.x, y);
    g.lineTo(plot.x + plot.width, y);
    g.stroke();
  }
  g.strokeStyle = css(light, 0.6);
  g.lineWidth = Math.max(1, 2 * unit);
  g.beginPath();
  g.moveTo(plot.x, plot.y);
  g.lineTo(plot.x, plot.y + plot.height);
  g.lineTo(plot.x + plot.width, plot.y + plot.height);
  g.stroke();

  const bars = Array.from({ length: BARS }, (_, n) => ({ base: 0.25 + 0.6 * (n / BARS) * random.range(0.7, 1.1), rate: random.range(0.25, 0.6), phase: random.range(0, Math.PI * 2) }));
  const slot = plot.width / BARS;
  const spot = setup.prop === 'flashlight' ? sweepingSpot(stage, box) : undefined;
  const drawn = setup.plot ?? 'both';

  const layer = objectLayer(still.canvas, cutting, (c, time) => {
    const { t } = time;
    c.fillStyle = css(light, 0.85);
    if (drawn !== 'line') bars.forEach((bar, n) => {
      const h = Math.min(0.98, bar.base * (0.78 + 0.22 * Math.sin(2 * Math.PI * bar.rate * t + bar.phase))) * plot.height;
      c.fillRect(plot.x + slot * (n + 0.2), plot.y + plot.height - h, slot * 0.6, h);
    });
    // A trend line running across: its shape slides left as time goes on.
    if (drawn === 'bars') {
      spot?.(c, t);
      return;
    }
    c.strokeStyle = css(drawn === 'line' ? light : other);
    c.lineWidth = Math.max(1.5, 3 * unit);
    c.beginPath();
    for (let n = 0; n < LINE_POINTS; n++) {
      const u = n / (LINE_POINTS - 1);
      const v = 0.55 - 0.3 * u + 0.1 * Math.sin(u * 9 + t * 1.6) + 0.05 * Math.sin(u * 23 - t * 2.3);
      const x = plot.x + u * plot.width;
      const y = plot.y + v * plot.height;
      if (n === 0) c.moveTo(x, y);
      else c.lineTo(x, y);
    }
    c.stroke();
    spot?.(c, t);
  });
  const glow = (backdrop: SKRSContext2D): void => paintGlow(backdrop, box.x + box.width / 2, box.y + box.height / 2, box.width * 0.65, light, 0.3);
  return { layers: [layer], glow, depth: SUBJECT_DEPTH, focus: { x: 0.5, y: 0.5 } };
}

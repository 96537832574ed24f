/**
 * A shallow depth of field: layers behind the subject blurred in proportion
 * to how far behind it they are (once, when the layers are built: frames pay
 * nothing for it), and out-of-focus highlights (bokeh) floating in the
 * distance. What such layers animate (blinking LEDs, rain) stays sharp.
 */
import { createCanvas, type SKRSContext2D } from '../../../video/canvas.js';
import { css, mix, type Rgb } from '../palette.js';
import { planeCanvas, type Layer, type Stage } from '../stage.js';

/** Blur at the farthest depth, in 1080p pixels (half of it just behind the subject). */
const MAX_BLUR = 30;

export function defocus(layers: readonly Layer[], stage: Stage, focusDepth: number): Layer[] {
  return layers.map((layer) => {
    if (!layer.image || layer.depth >= focusDepth - 0.01) return layer;
    // Whatever is behind the subject is well behind it in a close-up: even the nearest layer is soft, the farthest softest.
    const radius = MAX_BLUR * stage.unit * (0.5 + (0.5 * (focusDepth - layer.depth)) / Math.max(0.1, focusDepth));
    if (radius < 0.75) return layer;
    const canvas = createCanvas(layer.image.width, layer.image.height);
    const g = canvas.getContext('2d');
    g.filter = `blur(${radius.toFixed(2)}px)`;
    g.drawImage(layer.image, 0, 0);
    return { ...layer, image: canvas };
  });
}

/** Soft discs of the scene's lights, as an out-of-focus background shows them. */
export function paintBokeh(stage: Stage, g: SKRSContext2D): void {
  const random = stage.random.fork('bokeh');
  const colours: Rgb[] = [stage.palette.accent, stage.palette.accentAlt, mix(stage.palette.accent, [255, 255, 255], 0.5)];
  const discs = Math.round(16 * (stage.plane.width / stage.frame.width));
  g.save();
  g.globalCompositeOperation = 'lighter';
  for (let n = 0; n < discs; n++) {
    const x = random.range(0, stage.plane.width);
    const y = random.range(stage.plane.height * 0.1, stage.plane.height * 0.8);
    const r = random.range(18, 60) * stage.unit;
    const colour = random.pick(colours);
    const gradient = g.createRadialGradient(x, y, 0, x, y, r);
    gradient.addColorStop(0, css(colour, 0.16));
    gradient.addColorStop(0.8, css(colour, 0.2));
    gradient.addColorStop(1, css(colour, 0));
    g.fillStyle = gradient;
    g.beginPath();
    g.arc(x, y, r, 0, Math.PI * 2);
    g.fill();
  }
  g.restore();
}

/**
 * Paints what lies in the air behind the subject (its glow, bokeh) onto the
 * nearest still layer of the setting behind it, rather than into layers of
 * their own: a frame composites one plane-sized image fewer for each. A
 * setting with no such layer gets one.
 */
export function paintBackdrop(setting: readonly Layer[], stage: Stage, subjectDepth: number, painters: ReadonlyArray<(g: SKRSContext2D) => void>): Layer[] {
  if (painters.length === 0) return [...setting];
  let nearest = -1;
  setting.forEach((layer, n) => {
    if (layer.image && !layer.opacity && layer.depth < subjectDepth && (nearest < 0 || layer.depth >= (setting[nearest] as Layer).depth)) nearest = n;
  });
  const target = setting[nearest];
  if (!target?.image) {
    const { canvas, g } = planeCanvas(stage);
    for (const paint of painters) paint(g);
    return [...setting, { depth: Math.max(0, subjectDepth - 0.3), image: canvas }];
  }
  const g = target.image.getContext('2d');
  for (const paint of painters) paint(g);
  return [...setting];
}

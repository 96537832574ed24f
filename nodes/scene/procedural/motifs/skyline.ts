/** A city skyline from a rooftop: sky, hazy far blocks, towers with lit windows and blinking aviation lights, the roof's ledge in front. */
import { css, hex, mix, scale } from '../palette.js';
import { frameX, frameY, framesOfArea, planeCanvas, type Layer } from '../stage.js';
import type { Motif } from './motif.js';
import { drawGlow, glowSprite, paintBuildingRow, paintClouds, paintHaze, paintOrb, paintSky, paintStars, type Rooftop } from './paint.js';

export const skyline: Motif = {
  outdoor: true,
  accent: hex('#ff4fa0'),
  build(stage) {
    const { palette, unit: u, atmosphere } = stage;
    const horizon = frameY(stage, 0.66);
    const area = framesOfArea(stage);

    const sky = planeCanvas(stage);
    paintSky(sky.g, stage, horizon);
    paintStars(sky.g, stage, stage.random.fork('stars'), Math.round(500 * area), horizon);
    paintOrb(sky.g, stage, frameX(stage, 0.74), horizon, 34 * u);
    paintClouds(sky.g, stage, stage.random.fork('clouds'), frameY(stage, 0.05), frameY(stage, 0.5), Math.round((3 + atmosphere.overcast * 12) * area), atmosphere.overcast);

    const far = planeCanvas(stage);
    // City glow: the sky above a lit city is lighter at night.
    paintHaze(far.g, stage, horizon, 160 * u, mix(palette.haze, palette.windows.colours[0]!, 1 - palette.light), 0.35);
    paintBuildingRow(far.g, stage, stage.random.fork('far'), {
      baseY: horizon + 40 * u,
      height: [50, 150],
      width: [28, 80],
      colour: palette.far,
      windows: { size: [2.5, 3.5], gap: [4, 5], lit: palette.windows.lit * 0.8, unlit: scale(palette.far, 0.92) },
    });
    paintHaze(far.g, stage, horizon + 30 * u, 70 * u, palette.haze, 0.45);

    const mid = planeCanvas(stage);
    const towersBase = frameY(stage, 0.86);
    const tips = paintBuildingRow(mid.g, stage, stage.random.fork('towers'), {
      baseY: towersBase,
      height: [200, 560],
      width: [70, 170],
      colour: palette.mid,
      windows: { size: [6, 9], gap: [6, 8], lit: palette.windows.lit, unlit: scale(palette.mid, 0.85) },
      spires: 0.35,
    });
    paintHaze(mid.g, stage, towersBase, 60 * u, palette.haze, 0.3);

    // The rooftop the camera stands on: a parapet with a rim of light, a water tower, a mast.
    const near = planeCanvas(stage);
    const ledge = frameY(stage, 0.88);
    const g = near.g;
    g.fillStyle = css(palette.near);
    g.fillRect(0, ledge, stage.plane.width, stage.plane.height - ledge);
    g.fillStyle = css(mix(palette.near, palette.accent, 0.35));
    g.fillRect(0, ledge, stage.plane.width, 3 * u);
    const towerX = frameX(stage, 0.1);
    g.fillStyle = css(palette.near);
    g.fillRect(towerX - 60 * u, ledge - 190 * u, 120 * u, 120 * u);
    g.beginPath();
    g.moveTo(towerX - 70 * u, ledge - 190 * u);
    g.lineTo(towerX, ledge - 240 * u);
    g.lineTo(towerX + 70 * u, ledge - 190 * u);
    g.fill();
    for (const leg of [-50, -15, 15, 50]) g.fillRect(towerX + leg * u - 3 * u, ledge - 72 * u, 6 * u, 72 * u);
    const mastX = frameX(stage, 0.93);
    g.fillRect(mastX - 3 * u, ledge - 320 * u, 6 * u, 320 * u);
    for (const [y, w] of [[0.25, 40], [0.5, 28]] as const) g.fillRect(mastX - w * u, ledge - 320 * u * (1 - y), w * 2 * u, 4 * u);

    return [
      { depth: 0.03, image: sky.canvas },
      { depth: 0.2, image: far.canvas },
      { depth: 0.45, image: mid.canvas, animate: aviationLights(tips, u) },
      { depth: 0.9, image: near.canvas, animate: aviationLights([{ x: mastX, y: ledge - 320 * u }], u) },
    ];
  },
};

/** Red warning lights on masts and spires, each blinking on its own beat. */
function aviationLights(tips: readonly Rooftop[], u: number): Layer['animate'] {
  const sprite = glowSprite(hex('#ff4632'));
  return (g, { t }) => {
    tips.forEach((tip, i) => {
      if ((t * 0.7 + i * 0.37) % 1 < 0.18) drawGlow(g, sprite, tip.x, tip.y, 14 * u, 1);
    });
  };
}

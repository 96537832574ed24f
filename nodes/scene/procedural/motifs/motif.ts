import type { Rgb } from '../palette.js';
import type { Layer, Stage } from '../stage.js';

/** A setting the renderer can draw: its layers, built once per clip. */
export interface Motif {
  /** Rain and snow fall only outdoors; indoors the same words give haze and dust. */
  outdoor: boolean;
  /** The light colour of the place when neither lighting nor mood names one. */
  accent: Rgb;
  build(stage: Stage): Layer[];
}

/**
 * Music ducking keyed on the dialogue: a sidechain in the plain sense — the
 * dialogue's level drives the music's gain. Speech is detected per 10 ms
 * window; the gain falls by `amountDb` with an attack and rises back with a
 * release (one-pole smoothing, as an analogue ducker would), and looks a
 * little ahead so the music is already down when the first syllable lands.
 *
 * The mix works a block of samples at a time, so the ducker does too: it
 * keeps its gain between blocks, and the speech windows of the block after
 * the current one are known before the current one is ducked (the look-ahead
 * reaches into it).
 */
export interface DuckingOptions {
  amountDb: number;
  attackMs: number;
  releaseMs: number;
  /** Dialogue above this level counts as speech. */
  thresholdDb?: number;
  /** The music starts dipping this early. */
  lookAheadMs?: number;
  sampleRate: number;
}

const WINDOW_MS = 10;

export class Ducker {
  /** Sample frames per speech window: blocks must be whole windows (the last may end short). */
  readonly window: number;
  private readonly threshold: number;
  private readonly ahead: number;
  private readonly floor: number;
  private readonly attack: number;
  private readonly release: number;
  private gain = 1;

  constructor(options: DuckingOptions) {
    const { sampleRate } = options;
    this.window = Math.round((sampleRate * WINDOW_MS) / 1000);
    this.threshold = 10 ** ((options.thresholdDb ?? -45) / 20);
    this.ahead = Math.round((options.lookAheadMs ?? 60) / WINDOW_MS);
    this.floor = 10 ** (-options.amountDb / 20);
    const coefficient = (ms: number): number => (ms <= 0 ? 1 : 1 - Math.exp(-1 / ((ms / 1000) * sampleRate)));
    this.attack = coefficient(options.attackMs);
    this.release = coefficient(options.releaseMs);
  }

  /** 1 for each window of this stretch of dialogue (mono) with speech in it. */
  speech(dialogue: Float32Array): Uint8Array {
    const windows = Math.ceil(dialogue.length / this.window);
    const active = new Uint8Array(windows);
    for (let w = 0; w < windows; w++) {
      let sum = 0;
      const end = Math.min(dialogue.length, (w + 1) * this.window);
      for (let i = w * this.window; i < end; i++) sum += dialogue[i]! * dialogue[i]!;
      active[w] = Math.sqrt(sum / Math.max(1, end - w * this.window)) > this.threshold ? 1 : 0;
    }
    return active;
  }

  /**
   * The gains of the next `frames` sample frames, continuing from the last
   * call. `active` holds the speech windows from the first of these frames
   * on, including those the look-ahead reaches past them (when there are any).
   */
  gains(frames: number, active: Uint8Array): Float32Array {
    const gains = new Float32Array(frames);
    let gain = this.gain;
    let keyedWindow = -1;
    let target = 1;
    for (let i = 0; i < frames; i++) {
      const w = Math.floor(i / this.window);
      if (w !== keyedWindow) {
        keyedWindow = w;
        target = 1;
        // Look-ahead: a window counts as speech when speech starts within the next few windows.
        for (let k = 0; k <= this.ahead && w + k < active.length; k++) {
          if (active[w + k]) {
            target = this.floor;
            break;
          }
        }
      }
      gain += (target - gain) * (target < gain ? this.attack : this.release);
      gains[i] = gain;
    }
    this.gain = gain;
    return gains;
  }
}

/** Gain (linear) per sample frame of the music, from the whole dialogue (mono) at once. */
export function duckingGains(dialogue: Float32Array, options: DuckingOptions): Float32Array {
  const ducker = new Ducker(options);
  return ducker.gains(dialogue.length, ducker.speech(dialogue));
}

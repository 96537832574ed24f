/**
 * Music ducking keyed on the dialogue: a sidechain in the plain sense — the
 * dialogue's level drives the music's gain. Speech is detected per 10 ms
 * window; the gain falls by `amountDb` with an attack and rises back with a
 * release (one-pole smoothing, as an analogue ducker would), and looks a
 * little ahead so the music is already down when the first syllable lands.
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

/** Gain (linear) per sample frame of the music, from the dialogue (mono). */
export function duckingGains(dialogue: Float32Array, options: DuckingOptions): Float32Array {
  const { sampleRate } = options;
  const window = Math.round((sampleRate * WINDOW_MS) / 1000);
  const threshold = 10 ** ((options.thresholdDb ?? -45) / 20);
  const windows = Math.ceil(dialogue.length / window);
  const active = new Uint8Array(windows);
  for (let w = 0; w < windows; w++) {
    let sum = 0;
    const end = Math.min(dialogue.length, (w + 1) * window);
    for (let i = w * window; i < end; i++) sum += dialogue[i]! * dialogue[i]!;
    active[w] = Math.sqrt(sum / Math.max(1, end - w * window)) > threshold ? 1 : 0;
  }
  // Look-ahead: a window counts as speech when speech starts within the next few windows.
  const ahead = Math.round((options.lookAheadMs ?? 60) / WINDOW_MS);
  const keyed = new Uint8Array(windows);
  for (let w = 0; w < windows; w++) {
    for (let k = 0; k <= ahead && w + k < windows; k++) {
      if (active[w + k]) {
        keyed[w] = 1;
        break;
      }
    }
  }
  const floor = 10 ** (-options.amountDb / 20);
  const coefficient = (ms: number): number => (ms <= 0 ? 1 : 1 - Math.exp(-1 / ((ms / 1000) * sampleRate)));
  const attack = coefficient(options.attackMs);
  const release = coefficient(options.releaseMs);
  const gains = new Float32Array(dialogue.length);
  let gain = 1;
  for (let i = 0; i < dialogue.length; i++) {
    const target = keyed[Math.floor(i / window)] ? floor : 1;
    gain += (target - gain) * (target < gain ? attack : release);
    gains[i] = gain;
  }
  return gains;
}

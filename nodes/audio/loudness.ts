/** Loudness as ffmpeg's EBU R128 meter (`ebur128=peak=true`) reports it. */

export interface Loudness {
  /** Integrated loudness, LUFS. */
  integrated: number;
  /** Peak in dBFS: true peak when the meter ran with `peak=true`. */
  peak: number;
}

/** The summary ebur128 prints when its stream ends. */
export function parseLoudness(stderr: string): Loudness | undefined {
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const integrated = /I:\s+(-?[\d.]+|-inf) LUFS/.exec(summary)?.[1];
  const peak = /Peak:\s+(-?[\d.]+|-inf) dBFS/.exec(summary)?.[1];
  if (integrated === undefined) return undefined;
  const number = (text: string | undefined): number => (text === undefined || text === '-inf' ? -Infinity : Number(text));
  return { integrated: number(integrated), peak: number(peak) };
}

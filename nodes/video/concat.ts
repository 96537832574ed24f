/** Joining video files by stream copy: the concat demuxer's list. */

/** The concat demuxer's list format quotes paths in single quotes; a quote inside is closed, escaped and reopened. */
const quoted = (path: string): string => `'${path.replace(/'/g, "'\\''")}'`;

/**
 * The concat list, each chunk with its exact length. Left to itself the
 * demuxer takes each MP4's container duration, a few ticks longer than its
 * frames, so every join stretched one frame (517 ticks of 1/15360 s instead
 * of 512) and avg_frame_rate was not 30/1. Lengths are cut from the episode's
 * frame clock in whole microseconds (the demuxer's unit), so rounding never
 * adds up over hundreds of chunks.
 */
export function concatList(paths: string[], frames: number[], fps: number): string {
  let done = 0;
  const microseconds = (frame: number): number => Math.round((frame * 1e6) / fps);
  return paths
    .map((path, i) => {
      const start = microseconds(done);
      done += frames[i]!;
      return `file ${quoted(path)}\nduration ${((microseconds(done) - start) / 1e6).toFixed(6)}\n`;
    })
    .join('');
}

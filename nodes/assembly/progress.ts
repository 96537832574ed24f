/**
 * ffmpeg's own progress (`-progress pipe:1`): `key=value` lines, a block per
 * update ending in `progress=continue|end`. `frame=` over the expected frame
 * count is the honest fraction.
 */
export function ffmpegProgress(totalFrames: number, report: (fraction: number) => void): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    partial += chunk.toString('utf8');
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const frame = /^frame=(\d+)/.exec(line.trim());
      if (frame && totalFrames > 0) report(Math.min(1, Number(frame[1]) / totalFrames));
    }
  };
}

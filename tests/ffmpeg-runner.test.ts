import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CancelledError, TimeoutError } from '../runtime/contract/errors.js';
import { ToolError } from '../runtime/media/binaries.js';
import { ffmpegArgs, ffmpegProgress, runFfmpeg } from '../runtime/media/ffmpeg.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelgraph-ffmpeg-runner-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ffmpegArgs', () => {
  const body = ['-i', 'in.mp4', 'out.mp4'];

  it('puts the shared flags before the caller’s arguments', () => {
    expect(ffmpegArgs(body)).toEqual(['-hide_banner', '-nostats', '-loglevel', 'error', '-y', ...body]);
  });

  it('adds the progress stream when progress is asked for', () => {
    expect(ffmpegArgs(body, { progress: { frames: 10, report: () => {} } })).toEqual([
      '-hide_banner', '-nostats', '-loglevel', 'error', '-y', '-progress', 'pipe:1', ...body,
    ]);
  });

  it('keeps the informational log for callers that read a filter’s report', () => {
    expect(ffmpegArgs(body, { keepLog: true })).toEqual(['-hide_banner', '-nostats', '-y', ...body]);
  });
});

describe('ffmpegProgress', () => {
  it('reports frame over total from key=value blocks split anywhere, capped at 1', () => {
    const fractions: number[] = [];
    const read = ffmpegProgress(20, (fraction) => fractions.push(fraction));
    read(Buffer.from('frame=5\nfps=0.0\nprogress=conti'));
    read(Buffer.from('nue\nfra'));
    read(Buffer.from('me=10\nprogress=continue\nframe=25\nprogress=end\n'));
    expect(fractions).toEqual([0.25, 0.5, 1]);
  });

  it('reports nothing when the total is unknown', () => {
    const fractions: number[] = [];
    ffmpegProgress(0, (fraction) => fractions.push(fraction))(Buffer.from('frame=5\n'));
    expect(fractions).toEqual([]);
  });
});

describe('runFfmpeg', () => {
  it('writes the output and reports progress up to the whole', async () => {
    const output = join(dir, 'progress.mp4');
    const fractions: number[] = [];
    await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=10', '-frames:v', '20', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', output], {
      timeoutMs: 60_000,
      progress: { frames: 20, report: (fraction) => fractions.push(fraction) },
    });
    expect((await stat(output)).size).toBeGreaterThan(0);
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.every((fraction, i) => fraction >= (fractions[i - 1] ?? 0))).toBe(true);
  }, 60_000);

  it('fails as a ToolError whose stderr tail is ffmpeg’s error line', async () => {
    const error = await runFfmpeg(['-i', join(dir, 'missing.mp4'), join(dir, 'never.mp4')], { timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).stderrTail).toContain('missing.mp4');
  }, 60_000);

  it('keeps the deadline and the abort of the process runner', async () => {
    const endless = ['-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=10', '-f', 'null', '-'];
    await expect(runFfmpeg(endless, { timeoutMs: 300 })).rejects.toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    const running = runFfmpeg(endless, { timeoutMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await expect(running).rejects.toBeInstanceOf(CancelledError);
  }, 60_000);
});

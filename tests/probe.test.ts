import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CancelledError, PermanentError, TimeoutError } from '../runtime/contract/errors.js';
import { ffmpegPath, ffprobePath, resolveToolPath, runTool, ToolError } from '../runtime/media/binaries.js';
import { parseProbeOutput, parseRate, probeMedia, UnreadableMediaError } from '../runtime/media/probe.js';

let dir: string;
const media = { aac: '', wav: '', mp4: '', png: '', jpg: '' };

function ffmpeg(...args: string[]): Promise<unknown> {
  return runTool(ffmpegPath(), ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args], { timeoutMs: 60_000 });
}

const SINE = 'sine=frequency=440:sample_rate=48000:duration=1.5';
const TESTSRC = 'testsrc2=size=320x240:rate=30:duration=2';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelgraph-probe-'));
  for (const [kind, ext] of Object.entries({ aac: 'm4a', wav: 'wav', mp4: 'mp4', png: 'png', jpg: 'jpg' })) {
    media[kind as keyof typeof media] = join(dir, `sample.${ext}`);
  }
  await Promise.all([
    ffmpeg('-f', 'lavfi', '-i', SINE, '-ac', '2', '-c:a', 'aac', media.aac),
    ffmpeg('-f', 'lavfi', '-i', SINE, '-ac', '2', '-c:a', 'pcm_s16le', media.wav),
    ffmpeg('-f', 'lavfi', '-i', TESTSRC, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', media.mp4),
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=320x240', '-frames:v', '1', media.png),
    ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=320x240', '-frames:v', '1', media.jpg),
  ]);
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function expectSeconds(actual: number | undefined, expected: number): void {
  expect(actual).toBeDefined();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(0.05);
}

describe('probeMedia', () => {
  it.each(['aac', 'wav'] as const)('reads duration, sample rate and channels of %s audio', async (kind) => {
    const info = await probeMedia(media[kind]);
    expectSeconds(info.duration, 1.5);
    expect(info.sampleRate).toBe(48_000);
    expect(info.channels).toBe(2);
    expect(info.width).toBeUndefined();
    expect(info.frameRate).toBeUndefined();
    expect(info.streams).toHaveLength(1);
    expect(info.streams[0]).toMatchObject({ type: 'audio', codec: kind === 'aac' ? 'aac' : 'pcm_s16le' });
  });

  it('reads duration, size and frame rate of h264 video', async () => {
    const info = await probeMedia(media.mp4);
    expectSeconds(info.duration, 2);
    expect(info).toMatchObject({ width: 320, height: 240, frameRate: 30 });
    expect(info.formatName).toContain('mp4');
    expect(info.sampleRate).toBeUndefined();
  });

  it.each(['png', 'jpg'] as const)('gives a %s image a size but no duration or frame rate', async (kind) => {
    const info = await probeMedia(media[kind]);
    expect(info).toMatchObject({ width: 320, height: 240 });
    expect(info.duration).toBeUndefined();
    expect(info.frameRate).toBeUndefined();
  });

  it('rejects garbage with a typed error naming the file', async () => {
    const garbage = join(dir, 'garbage.mp4');
    await writeFile(garbage, randomBytes(4096));
    const error = await probeMedia(garbage).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreadableMediaError);
    expect(error).toBeInstanceOf(PermanentError);
    const typed = error as UnreadableMediaError;
    expect(typed.message).toContain(garbage);
    expect(typed.location.file).toBe(garbage);
    expect(typed.retryable).toBe(false);
    expect(typed.reason).toMatch(/invalid data/i);
  });

  it('rejects a missing file with a typed error naming it', async () => {
    const missing = join(dir, 'missing.wav');
    await expect(probeMedia(missing)).rejects.toThrow(PermanentError);
    await expect(probeMedia(missing)).rejects.toThrow(missing);
  });

  it('times out', async () => {
    const error = await probeMedia(media.mp4, { timeoutMs: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).location.file).toBe(media.mp4);
    expect((error as TimeoutError).message).toContain(media.mp4);
    expect((error as TimeoutError).retryable).toBe(true);
  });

  it.skipIf(process.platform === 'win32')('kills ffprobe on abort', async () => {
    // ffprobe blocks forever opening a FIFO nobody writes to.
    const fifo = join(dir, 'never.fifo');
    execFileSync('mkfifo', [fifo]);
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 200);
    const error = await probeMedia(fifo, { signal: controller.signal, timeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    // runTool settles only after the child exited, so settling promptly proves the kill.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('does not start when the signal is already aborted', async () => {
    await expect(probeMedia(media.wav, { signal: AbortSignal.abort() })).rejects.toThrow(CancelledError);
  });
});

describe('parsing ffprobe output', () => {
  it('parses rational frame rates', () => {
    expect(parseRate('30000/1001')).toBeCloseTo(29.97, 2);
    expect(parseRate('25/1')).toBe(25);
    expect(parseRate('0/0')).toBeUndefined();
    expect(parseRate(undefined)).toBeUndefined();
  });

  it('takes duration from the streams when the format has none, and ignores cover art', () => {
    const json = JSON.stringify({
      format: { format_name: 'mp3' },
      streams: [
        { index: 0, codec_type: 'audio', sample_rate: '44100', channels: 1, duration: '3.250000' },
        { index: 1, codec_type: 'video', width: 600, height: 600, disposition: { attached_pic: 1 } },
      ],
    });
    const info = parseProbeOutput(json, '/x/song.mp3');
    expect(info).toMatchObject({ duration: 3.25, sampleRate: 44_100, channels: 1 });
    expect(info.width).toBeUndefined();
  });

  it('rejects output without audio or video', () => {
    const json = JSON.stringify({ format: { format_name: 'srt' }, streams: [{ codec_type: 'subtitle' }] });
    expect(() => parseProbeOutput(json, '/x/subs.srt')).toThrow(/subs\.srt.*no audio or video/);
  });
});

describe('runTool', () => {
  it('rejects a failed run with the exit code and the end of stderr', async () => {
    const missing = join(dir, 'no-such-input.wav');
    const run = runTool(ffmpegPath(), ['-nostdin', '-i', missing], { timeoutMs: 30_000 });
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    const typed = error as ToolError;
    expect(typed.exitCode).not.toBe(0);
    expect(typed.exitCode).not.toBeNull();
    expect(typed.stderrTail).toContain('No such file or directory');
    expect(typed.message).toContain('No such file or directory');
    expect(typed.retryable).toBe(false);
  });

  it('feeds input to stdin', async () => {
    const { stdout } = await runTool(
      ffprobePath(),
      ['-v', 'error', '-print_format', 'json', '-show_streams', '-i', 'pipe:0'],
      { timeoutMs: 30_000, input: await readFile(media.wav) },
    );
    expect(JSON.parse(stdout.toString('utf8')).streams[0].sample_rate).toBe('48000');
  });

  it('kills a long run on abort and keeps a typed abort reason', async () => {
    const controller = new AbortController();
    const reason = new TimeoutError('run deadline passed');
    setTimeout(() => controller.abort(reason), 300);
    const started = Date.now();
    // -re paces reading to real time: ten minutes unless killed.
    const args = ['-nostdin', '-re', '-f', 'lavfi', '-i', 'testsrc2=duration=600', '-f', 'null', '-'];
    await expect(runTool(ffmpegPath(), args, { timeoutMs: 60_000, signal: controller.signal })).rejects.toBe(reason);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('escalates to SIGKILL when the child ignores SIGTERM', async () => {
    const script = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);";
    const started = Date.now();
    const run = runTool(process.execPath, ['-e', script], { timeoutMs: 1_000, killGraceMs: 300 });
    await expect(run).rejects.toThrow(TimeoutError);
    // Settling needs the SIGKILL: SIGTERM at 1 s is ignored, the kill follows 300 ms later.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_250);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('reports a missing binary as a permanent error', async () => {
    const bin = join(dir, 'no-such-ffmpeg');
    const run = runTool(bin, ['-version'], { timeoutMs: 5_000 });
    await expect(run).rejects.toThrow(PermanentError);
    await expect(run).rejects.toThrow(/cannot run .*no-such-ffmpeg: not found/);
  });
});

describe('resolveToolPath', () => {
  it('uses the one on PATH for "system"', () => {
    expect(resolveToolPath('ffmpeg', { REELGRAPH_FFMPEG: 'system' })).toBe('ffmpeg');
    expect(resolveToolPath('ffprobe', { REELGRAPH_FFPROBE: 'system' })).toBe('ffprobe');
  });

  it('uses an explicit path', () => {
    expect(resolveToolPath('ffmpeg', { REELGRAPH_FFMPEG: '/opt/ffmpeg/bin/ffmpeg' })).toBe('/opt/ffmpeg/bin/ffmpeg');
  });

  it('falls back to the npm-installed binaries', () => {
    for (const tool of ['ffmpeg', 'ffprobe'] as const) {
      const path = resolveToolPath(tool, {});
      expect(path).toContain(`@${tool}-installer`);
      expect(existsSync(path)).toBe(true);
    }
  });
});

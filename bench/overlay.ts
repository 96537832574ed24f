/**
 * Terminal overlay throughput at 1080p30: a ten-second terminal block
 * rendered by overlay.terminal through the engine (drawing and encoding its
 * layers: the transitions as ProRes 4444 of the window and its glow, the
 * chrome as a still, the screen as H.264 of its own size, the static as a
 * short ProRes 4444 loop), as a real-time
 * factor (render seconds ÷ seconds of video; below 0.25 is 4× real time),
 * with every frame counted in the output. Baselines, measured in the same
 * run: ffmpeg encoding blank RGBA frames from lavfi with the same codec
 * settings — every frame at the full picture in ProRes 4444 (the figure the
 * table shows, comparable with earlier runs), and the clips' own encoders on
 * as many blank frames of their sizes as they hold (blank frames are cheaper
 * than the tube's static, so the real encode costs more) — and drawing alone,
 * as the node draws, without an encoder. The render can beat neither. CPU
 * seconds (this process and its ffmpeg children) are given next to wall
 * time, since the machine may be shared.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GRAPH_FORMAT, type GraphDocument, type Segment } from '../runtime/contract/index.js';
import type { Overlay } from '../runtime/contract/port-values.js';
import { ffmpegPath, ffprobePath, runTool } from '../runtime/media/binaries.js';
import terminalNode, { planTerminal, terminalSegment, type TerminalParams } from '../nodes/overlay/terminal.node.js';
import { TerminalRenderer } from '../nodes/overlay/terminal/draw.js';
import { readTerminalLine } from '../nodes/script/engine/terminal.js';
import { clipCodecs } from '../nodes/video/codecs.js';
import { benchEngine } from './engine.js';

export interface OverlayBenchResult {
  profile: string;
  videoSeconds: number;
  expectedFrames: number;
  framesInOutput: number;
  dropped: number;
  renderMs: number;
  /** Render time ÷ seconds of video: below 1 is faster than real time (0.25 = 4× real time). */
  realTimeFactor: number;
  /** Frames the renderer actually drew (the rest repeated the previous frame). */
  drawnFrames: number;
  drawOnlyMs: number;
  /** The clip as encoded, and where the render places it. */
  clip: { width: number; height: number; x: number; y: number };
  encodeFloorMs: number;
  /** The clips' own encoders on as many blank frames of their sizes as they hold. */
  clipFloorMs: number;
  /** CPU (user + system, this process and its children) spent on each: wall time on a shared machine says less. */
  cpuMs: { render?: number; drawOnly?: number; encodeFloor?: number; clipFloor?: number };
  encodeFloorRealTimeFactor: number;
  /** Render time ÷ encode floor: 1 would mean drawing costs nothing. */
  renderOverFloor: number;
  /** Render time ÷ the floor at the clip's size. */
  renderOverClipFloor: number;
  megabytes: number;
}

const LINES = [
  '$ ssh root@relay-7.grid',
  'Connecting to relay-7.grid (10.0.7.1)...',
  'WARNING: host key changed. Continuing anyway.',
  '$ systemctl status core-memory',
  '● core-memory.service - ARIA long-term memory',
  '   Active: \x1b[31mfailed\x1b[0m (Result: exit-code) since 11 years ago',
  '$ restore --from /backup/aria --verify',
  '[████████████░░░░░░░░] 61%  checksum ok',
  '[████████████████████] 100% \x1b[32mdone\x1b[0m',
];

/** CPU milliseconds so far of this process and its reaped children (Linux: /proc/self/stat), or undefined elsewhere. */
function cpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the command name (which may hold spaces): utime, stime, cutime, cstime are fields 14–17, in clock ticks (100 a second on Linux).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) * 10;
  } catch {
    return undefined;
  }
}

/** Wall and CPU milliseconds of `work`. */
async function timed<T>(work: () => Promise<T> | T): Promise<{ value: T; ms: number; cpu?: number }> {
  const cpuStart = cpuMs();
  const start = performance.now();
  const value = await work();
  const ms = performance.now() - start;
  const cpuEnd = cpuMs();
  return { value, ms, ...(cpuStart !== undefined && cpuEnd !== undefined ? { cpu: cpuEnd - cpuStart } : {}) };
}

export async function benchOverlay(): Promise<OverlayBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'reelgraph-bench-overlay-'));
  try {
    const terminal = { lines: LINES.map(readTerminalLine) };
    const segment: Segment = { id: 'seg-bench', sceneId: 'scene-1', kind: 'terminal', speechText: '', displayText: LINES.join('\n'), line: 1, words: 0, timing: { start: 0, duration: 10 }, terminal };
    const params = { profile: 'youtube-1080p' };
    const defaults = Object.fromEntries(Object.entries(terminalNode.params.properties as Record<string, { default?: unknown }>).flatMap(([k, v]) => (v.default === undefined ? [] : [[k, v.default]])));
    const plan = planTerminal(terminalSegment(segment), { ...defaults, ...params } as unknown as TerminalParams);
    const { format, frameCount } = plan;

    const renderer = new TerminalRenderer(plan.timeline, plan.settings);
    const { region, screen } = renderer.geometry;
    // Drawn as the node draws a transparent block: the transitions whole, the steady frames as the screen alone.
    const transitions = renderer.transitionFrames(frameCount);
    const steady = { from: transitions.in, to: frameCount - transitions.out };
    const drawOnly = await timed(() => {
      for (let i = 0; i < frameCount; i++) {
        if (i >= steady.from && i < steady.to) renderer.screen(i);
        else renderer.frame(i);
      }
      return renderer.staticFrames(steady.from, steady.to - steady.from).length;
    });
    const loopTicks = drawOnly.value;

    const blank = (width: number, height: number, frames: number, codec: 'prores4444' | 'h264', file: string): Promise<unknown> =>
      runTool(
        ffmpegPath(),
        ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `color=c=black@0:s=${width}x${height}:r=${format.fps},format=rgba`, '-frames:v', String(frames), ...clipCodecs[codec].args, join(dir, file)],
        { timeoutMs: 600_000 },
      );
    const encodeFloor = await timed(() => blank(format.width, format.height, frameCount, 'prores4444', 'floor.mov'));
    // The clips' own encoders on blank frames: the transitions' frames in ProRes 4444 at the region's size (every one
    // distinct), the steady ones in H.264 at the screen's.
    const clipFloor = await timed(async () => {
      if (transitions.in + transitions.out > 0) await blank(region.width, region.height, transitions.in + transitions.out, 'prores4444', 'transitions.mov');
      if (steady.to > steady.from) await blank(screen.width, screen.height, steady.to - steady.from, 'h264', 'screen.mp4');
      if (loopTicks > 0) await blank(screen.width, screen.height, loopTicks, 'prores4444', 'static.mov');
    });

    const engine = benchEngine(dir);
    const graph: GraphDocument = {
      format: GRAPH_FORMAT,
      schemaVersion: 1,
      name: 'bench-overlay',
      inputs: { blocks: { type: 'Segment', list: true } },
      outputs: { overlays: 'term.overlays' },
      nodes: [{ id: 'term', type: 'overlay.terminal', typeVersion: 1, position: { x: 0, y: 0 }, params }],
      edges: [{ from: '$input.blocks', to: 'term.terminals' }],
    };
    const { value: result, ms: renderMs, cpu: renderCpu } = await timed(() => engine.run(graph, { inputs: { blocks: [segment] }, outDir: join(dir, 'out'), noCache: true }));
    if (result.status !== 'done') throw new Error(`overlay bench run ${result.status}: ${result.error?.message}`);
    const overlay = (result.outputs.overlays as Overlay[])[0]!;
    const layers = overlay.layers ?? [{ name: 'whole', clip: overlay.clip!, start: 0, duration: overlay.duration!, ...(overlay.position ? { position: overlay.position } : {}) }];
    // Every frame of the block in exactly one clip; the chrome's still and the static's loop are laid with the screen.
    let framesInOutput = 0;
    for (const layer of layers) {
      if (layer.clip.mime.startsWith('image/') || layer.loop) continue;
      const path = await engine.services.artifacts.localPath(layer.clip);
      const { stdout } = await runTool(ffprobePath(), ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', path], { timeoutMs: 120_000 });
      framesInOutput += Number(stdout.toString().trim());
    }
    const outermost = layers.reduce((widest, layer) => (layer.clip.width * layer.clip.height > widest.clip.width * widest.clip.height ? layer : widest));
    const videoSeconds = frameCount / format.fps;
    return {
      profile: `${format.width}×${format.height}@${format.fps}`,
      videoSeconds,
      expectedFrames: frameCount,
      framesInOutput,
      dropped: frameCount - framesInOutput,
      renderMs,
      realTimeFactor: renderMs / 1000 / videoSeconds,
      drawnFrames: renderer.drawn,
      drawOnlyMs: drawOnly.ms,
      clip: { width: outermost.clip.width, height: outermost.clip.height, x: outermost.position?.x ?? 0, y: outermost.position?.y ?? 0 },
      encodeFloorMs: encodeFloor.ms,
      clipFloorMs: clipFloor.ms,
      cpuMs: { render: renderCpu, drawOnly: drawOnly.cpu, encodeFloor: encodeFloor.cpu, clipFloor: clipFloor.cpu },
      encodeFloorRealTimeFactor: encodeFloor.ms / 1000 / videoSeconds,
      renderOverFloor: renderMs / encodeFloor.ms,
      renderOverClipFloor: renderMs / clipFloor.ms,
      megabytes: layers.reduce((sum, layer) => sum + layer.clip.bytes, 0) / 1e6,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Terminal overlay throughput at 1080p30: a ten-second terminal block
 * rendered by overlay.terminal through the engine (drawing, piping, padding,
 * ProRes 4444 encoding), as a real-time factor (seconds of video ÷ render
 * seconds; above 1 is faster than real time), with every frame counted in
 * the output. Baseline, measured in the same run: ffmpeg encoding the same
 * number of blank 1080p RGBA frames from lavfi with the same codec settings —
 * the encode floor no renderer can beat. Drawing alone (no encoder) is timed
 * too, to show where the time goes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GRAPH_FORMAT, type ArtifactHandle, type GraphDocument, type Segment } from '../runtime/contract/index.js';
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
  encodeFloorMs: number;
  encodeFloorRealTimeFactor: number;
  /** Render time ÷ encode floor: 1 would mean drawing costs nothing. */
  renderOverFloor: number;
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

export async function benchOverlay(): Promise<OverlayBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'reelgraph-bench-overlay-'));
  try {
    const terminal = { lines: LINES.map(readTerminalLine) };
    const segment: Segment = { id: 'seg-bench', sceneId: 'scene-1', kind: 'terminal', speechText: '', displayText: LINES.join('\n'), line: 1, words: 0, timing: { start: 0, duration: 10 }, terminal };
    const params = { profile: 'youtube-1080p' };
    const defaults = Object.fromEntries(Object.entries(terminalNode.params.properties as Record<string, { default?: unknown }>).flatMap(([k, v]) => (v.default === undefined ? [] : [[k, v.default]])));
    const plan = planTerminal(terminalSegment(segment), { ...defaults, ...params } as unknown as TerminalParams);
    const { format, frameCount } = plan;

    const floorStart = performance.now();
    await runTool(
      ffmpegPath(),
      ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `color=c=black@0:s=${format.width}x${format.height}:r=${format.fps},format=rgba`, '-frames:v', String(frameCount), ...clipCodecs.prores4444.args, join(dir, 'floor.mov')],
      { timeoutMs: 600_000 },
    );
    const encodeFloorMs = performance.now() - floorStart;

    const renderer = new TerminalRenderer(plan.timeline, plan.settings);
    const drawStart = performance.now();
    for (let i = 0; i < frameCount; i++) renderer.frame(i);
    const drawOnlyMs = performance.now() - drawStart;

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
    const renderStart = performance.now();
    const result = await engine.run(graph, { inputs: { blocks: [segment] }, outDir: join(dir, 'out'), noCache: true });
    const renderMs = performance.now() - renderStart;
    if (result.status !== 'done') throw new Error(`overlay bench run ${result.status}: ${result.error?.message}`);
    const clip = (result.outputs.overlays as Array<{ clip: ArtifactHandle }>)[0]?.clip as ArtifactHandle;
    const path = await engine.services.artifacts.localPath(clip);
    const { stdout } = await runTool(ffprobePath(), ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', path], { timeoutMs: 120_000 });
    const framesInOutput = Number(stdout.toString().trim());
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
      drawOnlyMs,
      encodeFloorMs,
      encodeFloorRealTimeFactor: encodeFloorMs / 1000 / videoSeconds,
      renderOverFloor: renderMs / encodeFloorMs,
      megabytes: clip.bytes / 1e6,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

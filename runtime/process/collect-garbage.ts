/**
 * A full garbage collection on demand, for the few places where much native
 * memory has just become garbage and nothing else would collect it soon.
 *
 * Drawn frames are buffers the canvas library allocates outside V8's heap.
 * V8 collects by the size of its own heap, so when a scene's drawing ends the
 * last few hundred megabytes of frames stay allocated (and resident) until
 * some later JavaScript happens to fill the heap: measured, node held 415
 * MiB instead of about 300 beside the render pieces' encoders, where an
 * episode's memory peaks. One collection costs a few milliseconds.
 *
 * `--expose-gc` set after start-up, as Jest's leak detector does; where V8
 * refuses, collecting is skipped (it is an economy, never a correctness step).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | null | undefined;

export function collectGarbage(): void {
  if (collect === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) collect = exposed;
    else {
      try {
        setFlagsFromString('--expose-gc');
        collect = runInNewContext('gc') as () => void;
      } catch {
        collect = null;
      }
    }
  }
  collect?.();
}

/**
 * A full garbage collection on demand, and the native memory it frees handed
 * back to the system, for the few places where much native memory has just
 * become garbage and nothing else would collect it soon.
 *
 * Drawn frames are buffers the canvas library allocates outside V8's heap.
 * V8 collects by the size of its own heap, so when a scene's drawing ends the
 * last few hundred megabytes of frames stay allocated (and resident) until
 * some later JavaScript happens to fill the heap: measured, node held 415
 * MiB instead of about 300 beside the render pieces' encoders, where an
 * episode's memory peaks. One collection costs a few milliseconds.
 *
 * Collected is not yet given back. glibc's malloc keeps a large freed block
 * in its heap once its threshold for mapping blocks on their own has risen
 * (the first frame freed raises it), and a freed block with a live one above
 * it stays resident until `malloc_trim` hands its pages back: the mix's
 * 30-s blocks and the frames of a scene stayed in the node beside the
 * render pieces (docs/performance.md, session 24). So a collection is
 * followed, a moment later (V8 frees array buffers on a background thread,
 * and the canvas library's frames in callbacks after the collection), by a
 * trim, through koffi's FFI. Elsewhere than glibc there is no trim.
 *
 * `--expose-gc` set after start-up, as Jest's leak detector does; where V8
 * refuses, collecting is skipped. Both are economies, never correctness steps.
 */
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Long enough for the frees a collection sets off to have happened; short beside what follows a clip's end. */
const TRIM_AFTER_MS = 100;

let collect: (() => void) | null | undefined;
let trim: (() => void) | null | undefined;
let trimming: NodeJS.Timeout | undefined;

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
  // One trim covers every collection before it: a burst of clips ending schedules one.
  trimming ??= setTimeout(() => {
    trimming = undefined;
    trimNativeHeap();
  }, TRIM_AFTER_MS).unref();
}

/** glibc's `malloc_trim(0)`: every free page of every arena back to the system. Nothing where there is no glibc. */
function trimNativeHeap(): void {
  if (trim === undefined) trim = loadTrim();
  trim?.();
}

interface Koffi {
  load(path: string): { func(signature: string): (pad: number) => number };
}

function loadTrim(): (() => void) | null {
  if (process.platform !== 'linux') return null;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as Koffi;
    // musl and other C libraries have no libc.so.6 (or no malloc_trim): loading throws, and there is nothing to trim.
    const mallocTrim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)');
    return () => void mallocTrim(0);
  } catch {
    return null;
  }
}

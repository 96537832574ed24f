// Caps the linear memory of Flite's WASM module. Flite keeps a whole
// utterance in memory (~0.05 MiB per character of ordinary prose at normal
// speed, more for slow voices and spelled-out acronyms). Under Node 20, a
// module whose memory grows to 64 MiB or more corrupts the hosting process:
// it crashes (SIGSEGV, SIGTRAP "Invalid bytecode") during that synthesis or
// a later one. With a maximum below that, the grow fails inside the module
// instead: Flite's allocator reports it and the synthesis ends with an
// error the pool turns into a clean failure, and the process stays healthy.
//
// Plain JavaScript: the worker that uses it runs without a TypeScript loader.

/** 60 MiB in 64 KiB pages: below the 64 MiB at which the crash starts, with a margin. */
export const FLITE_MAX_MEMORY_PAGES = 960;

const MEMORY_SECTION = 5;

/**
 * The module's bytes with its (one, defined) memory given a maximum of
 * `maxPages`, or a lower maximum kept. Throws on a module without exactly one
 * defined memory: a Flite build this was not written for.
 */
export function capMemoryPages(wasm, maxPages) {
  const bytes = new Uint8Array(wasm);
  let at = 8; // magic + version
  while (at < bytes.length) {
    const sectionStart = at;
    const id = bytes[at++];
    const [size, contentStart] = readLeb(bytes, at);
    at = contentStart + size;
    if (id !== MEMORY_SECTION) continue;
    let cursor = contentStart;
    const [count, afterCount] = readLeb(bytes, cursor);
    if (count !== 1) throw new Error(`flite.wasm defines ${count} memories; expected one`);
    cursor = afterCount;
    const flags = bytes[cursor++];
    if (flags !== 0 && flags !== 1) throw new Error(`flite.wasm memory has unsupported limits (flags ${flags})`);
    const [initial, afterInitial] = readLeb(bytes, cursor);
    let max = maxPages;
    if (flags === 1) max = Math.min(max, readLeb(bytes, afterInitial)[0]);
    const content = [...writeLeb(1), 1, ...writeLeb(initial), ...writeLeb(Math.max(max, initial))];
    const section = [MEMORY_SECTION, ...writeLeb(content.length), ...content];
    const out = new Uint8Array(bytes.length - (at - sectionStart) + section.length);
    out.set(bytes.subarray(0, sectionStart), 0);
    out.set(section, sectionStart);
    out.set(bytes.subarray(at), sectionStart + section.length);
    return out;
  }
  throw new Error('flite.wasm has no memory section');
}

function readLeb(bytes, at) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function writeLeb(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

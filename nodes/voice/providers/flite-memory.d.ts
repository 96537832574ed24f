/** Types for flite-memory.js (plain JavaScript: the Flite worker imports it without a TypeScript loader). */

/** 60 MiB in 64 KiB pages: below the 64 MiB at which Node 20 crashes. */
export declare const FLITE_MAX_MEMORY_PAGES: number;

/** The module's bytes with its one defined memory given a maximum of `maxPages`. */
export declare function capMemoryPages(wasm: Uint8Array, maxPages: number): Uint8Array;

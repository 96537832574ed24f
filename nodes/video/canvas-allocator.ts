/**
 * Settings for the canvas library's allocator (mimalloc, inside
 * @napi-rs/canvas), read once when the library loads: import this module
 * before it (nodes/video/canvas.ts does), never after.
 *
 * mimalloc returns freed memory to the system only while it is allocating
 * and freeing, and then only after a delay (10 ms × `arena_purge_mult`, 10).
 * A scene's frames and layers freed at its end therefore stayed resident:
 * 694 MiB of its arena after a street in the rain was drawn and dropped,
 * through the render pieces that followed, where the episode's memory peaked
 * (node at 459 MiB beside two 290-MiB piece encoders). Purged at once they
 * go back (190 MiB), at no measurable cost to drawing (every frame faults in
 * fresh pages either way: docs/performance.md). An explicit setting wins.
 */
process.env.MIMALLOC_ARENA_PURGE_MULT ??= '0';

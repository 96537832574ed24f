/**
 * Collected native memory is handed back to the system. glibc kept the
 * frames and mix blocks a render had freed resident in its heap (they sat
 * below live blocks), and the node carried them beside the render pieces,
 * where an episode's memory peaks. Measured in a process of its own, since
 * glibc's thresholds move with what a process has allocated before.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(import.meta.dirname, '..');

describe('native heap', () => {
  it.runIf(process.platform === 'linux')('gives the pages of collected buffers back to the system, not only to the allocator', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', 'tests/fixtures/scripts/native-heap.ts'], { cwd: repoRoot, timeout: 60_000 });
    const { before, holding, collected, trimmed } = JSON.parse(stdout) as { before: number; holding: number; collected: number; trimmed: number };
    const figures = `resident MiB: ${before.toFixed(0)} before, ${holding.toFixed(0)} holding 96 MiB in 96-KiB blocks, ${collected.toFixed(0)} collected, ${trimmed.toFixed(0)} after collectGarbage`;
    expect(holding - before, figures).toBeGreaterThan(80);
    // Collected alone, glibc keeps the freed blocks (the case this is for): were it not so, the test below proves nothing.
    expect(collected - before, figures).toBeGreaterThan(60);
    expect(collected - trimmed, figures).toBeGreaterThan(60);
  }, 60_000);
});

import { describe, expect, it } from 'vitest';
import { mapLimited } from '../runtime/util/map-limited.js';

describe('mapLimited', () => {
  it('keeps the items’ order whatever order the work finishes in, with at most `limit` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const delays = [30, 5, 20, 1, 10, 15, 2];
    const results = await mapLimited(delays, 3, async (delay, index) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, delay));
      inFlight -= 1;
      return `${index}:${delay}`;
    });
    expect(results).toEqual(delays.map((delay, index) => `${index}:${delay}`));
    expect(most).toBe(3);
  });

  it('handles no items, and a limit below one as one', async () => {
    expect(await mapLimited([], 4, async () => 1)).toEqual([]);
    let inFlight = 0;
    let most = 0;
    await mapLimited([1, 2, 3], 0, async () => {
      most = Math.max(most, ++inFlight);
      await Promise.resolve();
      inFlight -= 1;
    });
    expect(most).toBe(1);
  });

  it('rejects with the first failure', async () => {
    await expect(mapLimited([1, 2, 3], 2, async (n) => {
      if (n === 2) throw new Error('item 2 failed');
      return n;
    })).rejects.toThrow('item 2 failed');
  });
});

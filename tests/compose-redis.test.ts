/**
 * The compose file's Redis is configured as BullMQ requires of a job store:
 * persistence that survives a restart, and no eviction of job keys.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

interface Compose {
  services: Record<string, { command?: string[]; volumes?: string[] }>;
  volumes: Record<string, unknown>;
}

/** `--name value` pairs of a redis-server command line. */
function redisOptions(command: string[]): Record<string, string> {
  const options: Record<string, string> = {};
  for (let i = 1; i < command.length; i += 2) options[(command[i] as string).replace(/^--/, '')] = command[i + 1] as string;
  return options;
}

describe('docker-compose.yml', () => {
  it('runs Redis with an append-only file synced every second, noeviction, and its data on a named volume', async () => {
    const compose = parse(await readFile(fileURLToPath(new URL('../docker-compose.yml', import.meta.url)), 'utf8')) as Compose;
    const redis = compose.services.redis;
    expect(redis?.command?.[0]).toBe('redis-server');
    expect(redisOptions(redis?.command ?? [])).toMatchObject({ appendonly: 'yes', appendfsync: 'everysec', 'maxmemory-policy': 'noeviction' });
    const dataVolume = redis?.volumes?.find((volume) => volume.endsWith(':/data'));
    expect(dataVolume).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(dataVolume?.split(':')[0]);
  });
});

/** Credentials encrypted at rest, REELGRAPH_SECRET_KEY handling, and the token commands. */
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerLogger } from '../server/logger.js';
import { main } from '../cli/main.js';
import { createWorkerServices } from '../cli/worker-services.js';
import { builtinNodes } from '../nodes/index.js';
import { openWorkspace } from '../runtime/workspace.js';
import { resolveSecretKey, secretKeyPath } from '../runtime/credentials/secret-key.js';
import { parseSecretKey, SecretBox, SecretKeyError } from '../runtime/credentials/vault.js';
import { greetingGraph, newSecretKey, startTestServer, testEnv, type TestServer } from './fixtures/server.js';

const SECRET_VALUE = 'sk-live-7f3a9c-DO-NOT-LEAK-5521';
const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'reelgraph-vault-'));
  dirs.push(dir);
  return dir;
}

/** Every byte SQLite wrote: the database and any WAL / journal beside it. */
async function rawDatabaseBytes(dir: string): Promise<Buffer> {
  const files = (await readdir(dir)).filter((f) => f.startsWith('reelgraph.db'));
  return Buffer.concat(await Promise.all(files.map((f) => readFile(join(dir, f)))));
}


/** A debug-level server logger whose lines the test can read. */
function capturedLogger(): { logger: ReturnType<typeof createServerLogger>; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createServerLogger({ REELGRAPH_LOG_LEVEL: 'debug' }, sink), lines };
}

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('credentials', () => {
  let t: TestServer;
  let dir: string;
  let key: string;

  beforeAll(async () => {
    dir = await tempDir();
    key = newSecretKey();
    t = await startTestServer({ dir, key });
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('stores a credential, lists field names only, and hands the engine the decrypted value', async () => {
    const put = await t.api.put('/api/credentials/elevenlabs').send({ fields: { apiKey: SECRET_VALUE } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ name: 'elevenlabs', fields: ['apiKey'] });
    expect(JSON.stringify(put.body)).not.toContain(SECRET_VALUE);

    const list = await t.api.get('/api/credentials');
    expect(list.body).toEqual([expect.objectContaining({ name: 'elevenlabs', fields: ['apiKey'] })]);
    expect(list.text).not.toContain(SECRET_VALUE);

    // The engine's lookup is the vault.
    expect(await t.server.context.workspace.engine.services.credentials.get('elevenlabs')).toEqual({ apiKey: SECRET_VALUE });
    expect((await t.anon.get('/api/credentials')).status).toBe(401);
  });

  it('keeps no plaintext value in the SQLite file, and deletes', async () => {
    await t.api.post('/api/graphs').send({ document: greetingGraph('vaulted') });
    const hook = (await t.api.post('/api/graphs/vaulted/webhook').send({})).body as { secret: string };
    await t.server.close();
    const raw = await rawDatabaseBytes(dir);
    // The field name is there (so these are the right bytes); the values are not.
    expect(raw.includes(Buffer.from('"apiKey"'))).toBe(true);
    expect(raw.includes(Buffer.from(SECRET_VALUE))).toBe(false);
    expect(raw.includes(Buffer.from(hook.secret))).toBe(false);

    t = await startTestServer({ dir, key });
    expect(await t.server.context.vault.get('elevenlabs')).toEqual({ apiKey: SECRET_VALUE });
    expect((await t.api.get('/api/graphs/vaulted/webhook')).body.secret).toBe(hook.secret);
    expect((await t.api.delete('/api/credentials/elevenlabs')).status).toBe(204);
    expect((await t.api.delete('/api/credentials/elevenlabs')).status).toBe(404);
    expect((await t.api.get('/api/credentials')).body).toEqual([]);
  });
});

describe('REELGRAPH_SECRET_KEY', () => {
  it('never writes a credential value, token or webhook secret to the logs, even at debug level', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logged = await startTestServer({ dir: await tempDir(), key: newSecretKey(), logger: createServerLogger({ REELGRAPH_LOG_LEVEL: 'debug' }, sink) });
    try {
      await logged.api.put('/api/credentials/elevenlabs').send({ fields: { apiKey: SECRET_VALUE } });
      await logged.api.post('/api/graphs').send({ document: greetingGraph('logged') });
      const hook = (await logged.api.post('/api/graphs/logged/webhook').send({})).body as { secret: string };
      await logged.api.get('/api/graphs/logged/webhook');
      await logged.anon.get(`/?token=${logged.token}`);
      // Secrets in query strings, however a client names them (each value is unique, so a leak is found whatever the field).
      const querySecrets = ['access_token', 'api_key', 'apikey', 'key', 'X-Api-Key', 'client_secret', 'signature', 'X-Amz-Signature', 'sig', 'password', 'auth', 'X-Amz-Credential', 'sessionid'].map(
        (name, index) => [name, `qs-secret-${index}-${SECRET_VALUE}`] as const,
      );
      const query = querySecrets.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');
      await logged.api.get(`/api/graphs?limit=5&${query}`);
      await logged.anon.get(`/api/runs/missing?wait=10&${query}`);
      await logged.anon.get(`/media/0123?exp=1&${query}`);
      const text = lines.join('');
      // The requests were logged (so this test can fail), with the harmless parameters and the names of the secret ones ...
      expect(text).toContain('/api/credentials/elevenlabs');
      expect(text).toContain('/api/graphs/logged/webhook');
      expect(text).toContain('/api/graphs?limit=5&access_token=[redacted]');
      expect(text).toContain('/api/runs/missing?wait=10&access_token=[redacted]');
      // ... and nothing secret was.
      for (const secret of [SECRET_VALUE, logged.token, hook.secret]) expect(text).not.toContain(secret);
      for (const [, value] of querySecrets) expect(text).not.toContain(encodeURIComponent(value));
    } finally {
      await logged.dispose();
    }
  });

  it('redacts secret query values in any logged URL field or error message, keeping the rest', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createServerLogger({ REELGRAPH_LOG_LEVEL: 'debug' }, sink);
    logger.warn({ url: `https://cms.example/hook?run=7&access_token=${SECRET_VALUE}` }, 'callback');
    logger.error({ err: new Error(`GET https://api.example/v1?X-Amz-Signature=${SECRET_VALUE}&part=2 failed`) }, 'provider failed');
    const text = lines.join('');
    expect(text).toContain('https://cms.example/hook?run=7&access_token=[redacted]');
    expect(text).toContain('?X-Amz-Signature=[redacted]&part=2 failed');
    expect(text).not.toContain(SECRET_VALUE);
  });

  it('accepts 32 bytes as hex or base64 and rejects anything else with a clear message', () => {
    expect(parseSecretKey('ab'.repeat(32)).length).toBe(32);
    expect(parseSecretKey(Buffer.alloc(32, 7).toString('base64')).length).toBe(32);
    for (const bad of ['short', Buffer.alloc(16).toString('base64'), 'zz'.repeat(32)]) {
      expect(() => parseSecretKey(bad)).toThrow(/REELGRAPH_SECRET_KEY must be 32 bytes/);
    }
  });

  it('refuses to start with a malformed key', async () => {
    const error = await startTestServer({ dir: await tempDir(), key: 'not-a-key' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretKeyError);
    expect((error as Error).message).toMatch(/REELGRAPH_SECRET_KEY must be 32 bytes/);
  });

  it('without REELGRAPH_SECRET_KEY: the first start generates an owner-only key in the data directory, says so once, and later starts reuse it', async () => {
    const dir = await tempDir();
    const { logger, lines } = capturedLogger();
    const first = await startTestServer({ dir, key: null, logger });
    // The quick start stores a credential and creates a webhook with no setup.
    expect((await first.api.put('/api/credentials/openai').send({ fields: { apiKey: SECRET_VALUE } })).status).toBe(200);
    await first.api.post('/api/graphs').send({ document: greetingGraph('hooked') });
    expect((await first.api.post('/api/graphs/hooked/webhook').send({})).status).toBe(201);
    await first.dispose();
    const keyFile = secretKeyPath(dir);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const fileKey = (await readFile(keyFile, 'utf8')).trim();
    expect(parseSecretKey(fileKey).length).toBe(32);
    const notices = lines.filter((line) => line.includes('generated a secret key'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(keyFile);
    expect(notices[0]).not.toContain(fileKey);

    const second = await startTestServer({ dir, key: null, logger });
    expect(await second.server.context.vault.get('openai')).toEqual({ apiKey: SECRET_VALUE });
    await second.dispose();
    expect(lines.filter((line) => line.includes('generated a secret key'))).toHaveLength(1);

    // An explicit key wins over the file: a different one does not open the stored secrets; the same one does.
    await expect(startTestServer({ dir, key: newSecretKey() })).rejects.toThrow(/does not decrypt the stored secrets/);
    const explicit = await startTestServer({ dir, key: fileKey });
    expect(await explicit.server.context.vault.get('openai')).toEqual({ apiKey: SECRET_VALUE });
    await explicit.dispose();
  });

  it('CLI runs on the same data directory use the credentials stored through the server', async () => {
    const dir = await tempDir();
    const server = await startTestServer({ dir, key: null });
    await server.api.put('/api/credentials/elevenlabs').send({ fields: { apiKey: SECRET_VALUE } });
    await server.dispose();
    const workspace = await openWorkspace(dir, { nodes: builtinNodes, env: testEnv() });
    try {
      expect(await workspace.engine.services.credentials.get('elevenlabs')).toEqual({ apiKey: SECRET_VALUE });
    } finally {
      await workspace.close();
    }
  });

  it('a key file others can read is narrowed to owner-only; a damaged one stops the start naming the file', async () => {
    const dir = await tempDir();
    const path = secretKeyPath(dir);
    await writeFile(path, `${newSecretKey()}\n`, { mode: 0o644 });
    await chmod(path, 0o644);
    const notices: string[] = [];
    expect((await resolveSecretKey(dir, { env: {}, notice: (message) => notices.push(message) }))?.source).toBe('file');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(notices.join('')).toMatch(/readable by others/);

    await writeFile(path, 'not a key\n');
    const error = await startTestServer({ dir, key: null }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretKeyError);
    expect((error as Error).message).toContain(path);
  });

  it('processes starting together agree on one generated key; readers (CLI, same-machine workers) never create one', async () => {
    const dir = await tempDir();
    expect(await resolveSecretKey(dir, { env: {} })).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
    const keys = await Promise.all(Array.from({ length: 6 }, () => resolveSecretKey(dir, { env: {}, create: true })));
    expect(new Set(keys.map((resolved) => resolved!.key.toString('hex'))).size).toBe(1);
    expect(keys.filter((resolved) => resolved!.source === 'generated')).toHaveLength(1);
    const worker = await createWorkerServices(testEnv({ REELGRAPH_DATA: dir }));
    try {
      expect(worker.box).toBeDefined();
      expect(worker.box!.open(new SecretBox(keys[0]!.key).seal('x', 'aad'), 'aad')).toBe('x');
    } finally {
      await worker.close();
    }
  });
});

describe('first start and token commands', () => {
  it('creates one token on first start and prints it with the editor URL; later starts do not', async () => {
    const dir = await tempDir();
    const notices: string[] = [];
    const first = await startTestServer({ dir, notice: (text) => notices.push(text) });
    expect(first.server.initialToken).toMatch(/^rg_/);
    expect(notices.join('')).toContain(`${first.server.url}/?token=${first.server.initialToken}`);
    await first.dispose();
    const second = await startTestServer({ dir, notice: (text) => notices.push(text) });
    expect(second.server.initialToken).toBeUndefined();
    expect(notices.length).toBe(1);
    await second.dispose();
  });

  it('token create / list / revoke work on the data directory, and the created token authenticates', async () => {
    const dir = await tempDir();
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) };
    expect(await main(['node', 'reelgraph', '--data', dir, 'token', 'create', 'ci'], io)).toBe(0);
    const token = out.join('').trim();
    expect(token).toMatch(/^rg_[A-Za-z0-9_-]{43}$/);

    out.length = 0;
    expect(await main(['node', 'reelgraph', '--data', dir, 'token', 'list', '--json'], io)).toBe(0);
    const listed = JSON.parse(out.join('')) as { name: string }[];
    expect(listed.map((t) => t.name)).toEqual(['ci']);
    expect(out.join('')).not.toContain(token);
    expect((await readFile(join(dir, 'reelgraph.db'))).includes(Buffer.from(token))).toBe(false);

    const server = await startTestServer({ dir });
    expect(server.server.initialToken).toBeUndefined();
    expect((await server.anon.get('/api/graphs').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    await server.server.close();

    expect(await main(['node', 'reelgraph', '--data', dir, 'token', 'revoke', 'ci'], io)).toBe(0);
    const after = await startTestServer({ dir });
    expect((await after.anon.get('/api/graphs').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    await after.server.close();
  });
});

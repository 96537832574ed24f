/**
 * Choosing the artifact store from the environment, so that queue workers on
 * several machines can share one.
 *
 *   REELGRAPH_ARTIFACTS             unset: `<dataDir>/artifacts` on the local filesystem
 *                                   `/abs/path` or `file:///abs/path`: a filesystem root (a shared volume)
 *                                   `s3://bucket[/prefix]`: an S3-compatible bucket
 *   REELGRAPH_S3_ENDPOINT           e.g. `http://minio:9000`; unset: AWS
 *   REELGRAPH_S3_REGION             default `us-east-1`
 *   REELGRAPH_S3_FORCE_PATH_STYLE   true/false (1/0, yes/no, on/off); default true with an endpoint, false without
 *   REELGRAPH_S3_TIMEOUT_MS         per-request deadline and longest transfer stall; default 30000
 *   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
 *                                   credentials; unset: the AWS SDK's default chain (profiles, roles, …)
 *
 * With S3, objects are cached as files under `<dataDir>/artifact-cache`.
 */
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { ArtifactHandle, ArtifactStore } from '../contract/artifacts.js';
import { PermanentError } from '../contract/errors.js';
import { FsArtifactStore } from './fs-store.js';
import type { S3ArtifactStoreOptions } from './s3-store.js';

/** What the CLI workspace and the server need beyond `ArtifactStore`: both stores provide it. */
export type ManagedArtifactStore = ArtifactStore & {
  /** The recorded handle of stored content; `ArtifactNotFoundError` when there is none. */
  getHandle(hash: string): Promise<ArtifactHandle>;
  /** Copies the content to `destPath` atomically; returns the absolute destination path. */
  export(handle: Pick<ArtifactHandle, 'hash'>, destPath: string): Promise<string>;
};

const TRUE_WORDS = new Set(['1', 'true', 'yes', 'on']);
const FALSE_WORDS = new Set(['0', 'false', 'no', 'off']);

/**
 * The artifact store the environment asks for (see the module comment).
 * Throws a `PermanentError` naming the variable when a value is unusable.
 */
export async function artifactStoreFromEnv(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<ManagedArtifactStore> {
  const location = env.REELGRAPH_ARTIFACTS?.trim();
  if (!location) return FsArtifactStore.inDataDir(dataDir);

  if (location.startsWith('s3:')) {
    const options = s3OptionsFromEnv(location, dataDir, env);
    // The AWS SDK takes about 0.2 s to load: only an S3 store imports it.
    const { S3ArtifactStore } = await import('./s3-store.js');
    return new S3ArtifactStore(options);
  }
  if (location.startsWith('file:')) return new FsArtifactStore(filePath(location));
  if (isAbsolute(location)) return new FsArtifactStore(location);
  throw configError(
    'REELGRAPH_ARTIFACTS',
    location,
    'expected an absolute path, file:///absolute/path or s3://bucket/optional/prefix',
  );
}

/** The S3 store's options for an `s3://` location, as `artifactStoreFromEnv` would build them. */
export function s3OptionsFromEnv(location: string, dataDir: string, env: NodeJS.ProcessEnv): S3ArtifactStoreOptions {
  if (/^s3:\/\/[^/]*@/.test(location)) {
    // Never echo the value: it holds a secret.
    throw new PermanentError('REELGRAPH_ARTIFACTS must not contain credentials; use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  }
  const match = /^s3:\/\/([^/?#@]+)(\/[^?#]*)?$/.exec(location);
  if (!match) {
    throw configError('REELGRAPH_ARTIFACTS', location, 'expected s3://bucket or s3://bucket/prefix (no query, fragment or credentials)');
  }
  const bucket = match[1]!;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(bucket)) {
    throw configError('REELGRAPH_ARTIFACTS', location, `"${bucket}" is not a valid bucket name`);
  }
  const prefix = (match[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((segment) => segment === '.' || segment === '..' || (prefix !== '' && segment === ''))) {
    throw configError('REELGRAPH_ARTIFACTS', location, 'the key prefix must not contain empty, "." or ".." segments');
  }

  const endpoint = optional(env, 'REELGRAPH_S3_ENDPOINT');
  if (endpoint !== undefined) checkEndpoint(endpoint);
  const forcePathStyle = booleanVar(env, 'REELGRAPH_S3_FORCE_PATH_STYLE') ?? endpoint !== undefined;
  const timeoutMs = timeoutVar(env, 'REELGRAPH_S3_TIMEOUT_MS');
  const credentials = credentialsFromEnv(env);

  return {
    bucket,
    ...(prefix ? { prefix } : {}),
    ...(endpoint !== undefined ? { endpoint } : {}),
    region: optional(env, 'REELGRAPH_S3_REGION') ?? 'us-east-1',
    forcePathStyle,
    ...(credentials ? { credentials } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    cacheDir: join(dataDir, 'artifact-cache'),
  };
}

function filePath(location: string): string {
  let path: string;
  try {
    path = fileURLToPath(location);
  } catch (cause) {
    throw configError('REELGRAPH_ARTIFACTS', location, `not a usable file URL (${(cause as Error).message}); expected file:///absolute/path`);
  }
  if (!isAbsolute(path)) throw configError('REELGRAPH_ARTIFACTS', location, 'expected file:///absolute/path');
  return path;
}

function checkEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw configError('REELGRAPH_S3_ENDPOINT', endpoint, 'expected a URL such as http://127.0.0.1:9000');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw configError('REELGRAPH_S3_ENDPOINT', endpoint, 'expected an http:// or https:// URL');
  }
  if (url.username || url.password) {
    // Never echo the value: it holds a secret.
    throw new PermanentError('REELGRAPH_S3_ENDPOINT must not contain credentials; use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  }
}

/**
 * Explicit credentials when the environment holds them; undefined leaves the
 * choice to the SDK's default chain. Read from `env`, not `process.env`, so a
 * caller's environment is honoured.
 */
function credentialsFromEnv(env: NodeJS.ProcessEnv): S3ArtifactStoreOptions['credentials'] {
  const accessKeyId = optional(env, 'AWS_ACCESS_KEY_ID');
  const secretAccessKey = optional(env, 'AWS_SECRET_ACCESS_KEY');
  if (accessKeyId === undefined && secretAccessKey === undefined) return undefined;
  if (accessKeyId === undefined) throw new PermanentError('AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not');
  if (secretAccessKey === undefined) throw new PermanentError('AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not');
  const sessionToken = optional(env, 'AWS_SESSION_TOKEN');
  return { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) };
}

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function booleanVar(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const value = optional(env, name);
  if (value === undefined) return undefined;
  const word = value.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw configError(name, value, 'expected true or false (1/0, yes/no, on/off)');
}

function timeoutVar(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const value = optional(env, name);
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(ms) || ms <= 0) {
    throw configError(name, value, 'expected a positive whole number of milliseconds');
  }
  return ms;
}

function configError(name: string, value: string, expected: string): PermanentError {
  return new PermanentError(`${name}=${JSON.stringify(value)} is invalid: ${expected}`);
}

/**
 * Where the deployment's secret key comes from. An explicit
 * REELGRAPH_SECRET_KEY always wins. Without one, the key lives in the data
 * directory (`secret.key`, owner-only): the server creates it on first start,
 * so the README's quick start can store credentials and webhook secrets with
 * no setup, and every later process that opens the same data directory (the
 * CLI, a worker on the same machine) reads the same key. Workers on other
 * machines cannot see the file; they need the key in their environment
 * (`REELGRAPH_SECRET_KEY=$(cat <data>/secret.key)`).
 */
import { randomBytes } from 'node:crypto';
import { chmod, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseSecretKey, SECRET_KEY_VARIABLE, SecretKeyError } from './vault.js';

export const SECRET_KEY_FILE = 'secret.key';
const OWNER_ONLY = 0o600;

export type SecretKeySource = 'environment' | 'file' | 'generated';

export interface ResolvedSecretKey {
  key: Buffer;
  source: SecretKeySource;
  /** The key file, for `file` and `generated`. */
  path?: string;
}

export interface ResolveSecretKeyOptions {
  env?: NodeJS.ProcessEnv;
  /** Create the key file when there is neither a variable nor a file (the server does; the CLI and workers only read). */
  create?: boolean;
  /** Told once, when a key file is created or its permissions had to be narrowed. */
  notice?: (message: string) => void;
}

export function secretKeyPath(dataDir: string): string {
  return join(dataDir, SECRET_KEY_FILE);
}

/**
 * The key from REELGRAPH_SECRET_KEY, else from `<dataDir>/secret.key`, else
 * (with `create`) a new random key written there; undefined when there is
 * none and `create` is off. A malformed key, in either place, is a
 * SecretKeyError naming where it was read.
 */
export async function resolveSecretKey(dataDir: string, options: ResolveSecretKeyOptions = {}): Promise<ResolvedSecretKey | undefined> {
  const env = options.env ?? process.env;
  const fromEnv = env[SECRET_KEY_VARIABLE]?.trim();
  if (fromEnv) return { key: parseSecretKey(fromEnv), source: 'environment' };

  const path = secretKeyPath(dataDir);
  const existing = await readKeyFile(path, options.notice);
  if (existing) return { key: existing, source: 'file', path };
  if (!options.create) return undefined;

  const key = randomBytes(32);
  try {
    // `wx`: two processes starting at once must not each write their own key.
    const file = await open(path, 'wx', OWNER_ONLY);
    try {
      await file.writeFile(`${key.toString('base64')}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const raced = await readKeyFile(path, options.notice);
    if (raced) return { key: raced, source: 'file', path };
    throw error;
  }
  options.notice?.(
    `generated a secret key for stored credentials and webhook secrets at ${path} (owner-only). ` +
      `Back it up with the data directory; ${SECRET_KEY_VARIABLE} overrides it, and queue-mode workers on other machines need the same key: ${SECRET_KEY_VARIABLE}=$(cat ${path})`,
  );
  return { key, source: 'generated', path };
}

async function readKeyFile(path: string, notice: ((message: string) => void) | undefined): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SecretKeyError(`cannot read the secret key file ${path}: ${(error as Error).message}`);
  }
  let key: Buffer;
  try {
    key = parseSecretKey(text);
  } catch {
    throw new SecretKeyError(`the secret key file ${path} does not hold a 32-byte key (base64 or 64 hex digits); restore it from a backup or set ${SECRET_KEY_VARIABLE}`);
  }
  // A key others can read is a key others have: narrow it, and say so.
  const { mode } = await stat(path);
  if ((mode & 0o077) !== 0) {
    await chmod(path, OWNER_ONLY);
    notice?.(`the secret key file ${path} was readable by others (mode ${(mode & 0o777).toString(8)}); narrowed it to 600`);
  }
  return key;
}

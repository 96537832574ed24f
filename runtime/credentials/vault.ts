/**
 * The encrypted credentials vault: provider credentials stored in the
 * database as AES-256-GCM ciphertext under a key from REELGRAPH_SECRET_KEY
 * (32 bytes, base64 or hex). Each record has its own random IV; the
 * credential's name is the associated data, so a ciphertext moved to another
 * name does not decrypt. The vault is the engine's `CredentialsLookup`: it
 * answers from the database first and falls back to the environment
 * (EnvCredentials), so a key in the environment keeps working.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ReelgraphError } from '../contract/errors.js';
import type { CredentialsLookup } from '../contract/node.js';
import type { CredentialInfo } from '../contract/records.js';
import type { CredentialRecord, ServerTables } from '../store/server-tables.js';

export const SECRET_KEY_VARIABLE = 'REELGRAPH_SECRET_KEY';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ENVELOPE_VERSION = 'v1';

/** The secret key is missing, malformed, or not the key the stored secrets were sealed with. */
export class SecretKeyError extends ReelgraphError {
  constructor(message: string) {
    super('SECRET_KEY', message, { retryable: false });
  }
}

/** The key in REELGRAPH_SECRET_KEY: undefined when unset; throws SecretKeyError when malformed. */
export function secretKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const value = env[SECRET_KEY_VARIABLE]?.trim();
  return value ? parseSecretKey(value) : undefined;
}

/** 64 hex digits, or base64 / base64url of exactly 32 bytes. */
export function parseSecretKey(value: string): Buffer {
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const key = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  throw new SecretKeyError(
    `${SECRET_KEY_VARIABLE} must be 32 bytes written as 64 hex digits or base64 (generate one with: openssl rand -base64 32)`,
  );
}

/** AES-256-GCM sealing of small strings: `v1.<iv>.<tag>.<ciphertext>`, each part base64. */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new SecretKeyError(`the secret key must be ${KEY_BYTES} bytes, got ${key.length}`);
    this.key = Buffer.from(key);
  }

  seal(plaintext: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [ENVELOPE_VERSION, iv, cipher.getAuthTag(), ciphertext].map((part) => (typeof part === 'string' ? part : part.toString('base64'))).join('.');
  }

  /** Throws SecretKeyError when the envelope was sealed with another key or under other associated data, or was altered. */
  open(sealed: string, aad: string): string {
    const [version, iv, tag, ciphertext] = sealed.split('.');
    if (version !== ENVELOPE_VERSION || iv === undefined || tag === undefined || ciphertext === undefined) {
      throw new SecretKeyError('a stored secret has an unknown format');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretKeyError(
        `${SECRET_KEY_VARIABLE} does not decrypt the stored secrets (was the key changed?); restore the key they were stored with`,
      );
    }
  }
}

export type { CredentialInfo };

const infoOf = (record: CredentialRecord): CredentialInfo => ({
  name: record.name,
  fields: record.fieldNames,
  createdAt: record.createdAt,
  updatedAt: record.updatedAt,
});

export class CredentialVault implements CredentialsLookup {
  private readonly box: SecretBox | undefined;

  constructor(
    private readonly tables: ServerTables,
    key: Buffer | undefined,
    private readonly fallback?: CredentialsLookup,
  ) {
    this.box = key ? new SecretBox(key) : undefined;
  }

  get hasKey(): boolean {
    return this.box !== undefined;
  }

  /**
   * Startup check: stored secrets need the key, and the key must be theirs.
   * Throws SecretKeyError with what to do about it.
   */
  async assertUsable(): Promise<void> {
    const sample = await this.tables.anySealed();
    if (!sample) return;
    this.requireBox().open(sample.sealed, sample.aad);
  }

  /** The vault's fields for `name`, else the fallback's (environment variables). */
  async get(name: string): Promise<Record<string, string> | undefined> {
    const record = await this.tables.getCredential(name);
    if (record) return JSON.parse(this.requireBox().open(record.sealed, name)) as Record<string, string>;
    return this.fallback?.get(name);
  }

  async put(name: string, fields: Record<string, string>): Promise<CredentialInfo> {
    const sealed = this.requireBox().seal(JSON.stringify(fields), name);
    return infoOf(await this.tables.putCredential(name, Object.keys(fields).sort(), sealed));
  }

  async list(): Promise<CredentialInfo[]> {
    return (await this.tables.listCredentials()).map(infoOf);
  }

  delete(name: string): Promise<boolean> {
    return this.tables.deleteCredential(name);
  }

  /** Seals another secret (a webhook's) with the vault's key. */
  seal(plaintext: string, aad: string): string {
    return this.requireBox().seal(plaintext, aad);
  }

  open(sealed: string, aad: string): string {
    return this.requireBox().open(sealed, aad);
  }

  private requireBox(): SecretBox {
    if (!this.box) {
      throw new SecretKeyError(
        `${SECRET_KEY_VARIABLE} is not set and the data directory has no secret.key: one of them is needed to store and read credentials and webhook secrets (\`reelgraph server\` creates the file on first start; or generate a key with: openssl rand -base64 32)`,
      );
    }
    return this.box;
  }
}

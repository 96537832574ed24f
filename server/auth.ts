/**
 * API tokens: 32 random bytes shown once, stored only as SHA-256 hashes.
 * Every /api route and every socket.io connection presents one as
 * `Authorization: Bearer <token>` (socket.io: `auth: {token}`).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { ServerTables, TokenRecord } from '../runtime/store/server-tables.js';
import { HttpError, sendError } from './errors.js';

const TOKEN_PREFIX = 'rg_';
/** last_used_at is written at most this often per token: a read per request, not a write. */
const TOUCH_INTERVAL_MS = 60_000;

export const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export class TokenService {
  private readonly touched = new Map<string, number>();

  constructor(private readonly tables: ServerTables) {}

  /** Creates a token; the plain value is returned here and never again. */
  async create(name: string): Promise<{ token: string; record: TokenRecord }> {
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const id = randomBytes(6).toString('hex');
    try {
      return { token, record: await this.tables.createToken(id, name, hashToken(token)) };
    } catch (error) {
      if ((error as { sqliteCode?: string }).sqliteCode === 'SQLITE_CONSTRAINT') throw new HttpError(409, 'TOKEN_EXISTS', `a token named "${name}" exists already`);
      throw error;
    }
  }

  list(): Promise<TokenRecord[]> {
    return this.tables.listTokens();
  }

  revoke(idOrName: string): Promise<boolean> {
    return this.tables.revokeToken(idOrName);
  }

  count(): Promise<number> {
    return this.tables.countTokens();
  }

  /** The token's record, or undefined for an unknown (or revoked) token. */
  async verify(token: string | undefined): Promise<TokenRecord | undefined> {
    if (!token || !token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
    const record = await this.tables.findToken(hashToken(token));
    if (record && Date.now() - (this.touched.get(record.id) ?? 0) > TOUCH_INTERVAL_MS) {
      this.touched.set(record.id, Date.now());
      await this.tables.touchToken(record.id);
    }
    return record;
  }
}

/** `Authorization: Bearer <token>` → the token, else undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

export function requireToken(tokens: TokenService): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    const record = await tokens.verify(token);
    if (!record) {
      res.set('WWW-Authenticate', 'Bearer realm="reelgraph"');
      sendError(res, new HttpError(401, 'UNAUTHORIZED', token ? 'the API token is not valid' : 'an API token is required: Authorization: Bearer <token>'));
      return;
    }
    res.locals.token = record;
    next();
  };
}

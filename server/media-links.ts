/**
 * Signed, short-lived artifact URLs for the browser: `<video>`, `<audio>` and
 * `<img>` cannot send an Authorization header, so the editor asks (with its
 * token) for a link `/media/<hash>?exp=<unix seconds>&sig=<hex>` whose
 * signature is HMAC-SHA256(key, "<hash>.<exp>"). The key is derived from
 * REELGRAPH_SECRET_KEY, so links stay valid across restarts and on every
 * server of a deployment; without a secret key it is random per process (links
 * die on restart and the editor simply asks again).
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export const DEFAULT_LINK_TTL_S = 3600;
export const MAX_LINK_TTL_S = 24 * 3600;

export interface MediaLink {
  url: string;
  /** Unix seconds. */
  expiresAt: number;
}

/** A key for media links only, derived from the deployment's secret key (HKDF-SHA256). */
export function mediaLinkKey(secretKey: Buffer | undefined): Buffer {
  return secretKey ? Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'reelgraph media links', 32)) : randomBytes(32);
}

export class MediaSigner {
  constructor(private readonly key: Buffer = randomBytes(32)) {}

  /** `subject` is an artifact hash, or a path-like name of something else (a run's deliverable): they cannot collide. */
  private mac(subject: string, exp: number): Buffer {
    return createHmac('sha256', this.key).update(`${subject}.${exp}`).digest();
  }

  /** Signs any subject (e.g. `run/<id>/download/<name>`); the caller builds the URL around `exp` and `sig`. */
  sign(subject: string, ttlSeconds = DEFAULT_LINK_TTL_S, now = Date.now()): { exp: number; sig: string } {
    const exp = Math.floor(now / 1000) + ttlSeconds;
    return { exp, sig: this.mac(subject, exp).toString('hex') };
  }

  link(hash: string, ttlSeconds = DEFAULT_LINK_TTL_S, now = Date.now()): MediaLink {
    const expiresAt = Math.floor(now / 1000) + ttlSeconds;
    return { url: `/media/${hash}?exp=${expiresAt}&sig=${this.mac(hash, expiresAt).toString('hex')}`, expiresAt };
  }

  /** True for an unexpired link whose signature matches (compared in constant time). */
  verify(subject: string, exp: number, sig: string, now = Date.now()): boolean {
    if (!Number.isSafeInteger(exp) || exp < Math.floor(now / 1000)) return false;
    if (!/^[0-9a-f]{64}$/.test(sig)) return false;
    return timingSafeEqual(Buffer.from(sig, 'hex'), this.mac(subject, exp));
  }
}

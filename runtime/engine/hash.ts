import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** SHA-256 (hex) of a JSON value in RFC 8785 canonical form: equal values hash equal whatever their key order. */
export function hashJson(value: unknown): string {
  const canonical = canonicalize(value === undefined ? null : value) ?? 'null';
  return createHash('sha256').update(canonical).digest('hex');
}

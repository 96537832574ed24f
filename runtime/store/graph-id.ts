/**
 * How a saved graph gets its id. Shared by every store implementation so a
 * graph keeps its id when it moves between them.
 */
import type { AnyGraphDocument } from '../contract/graph.js';
import { StoreError } from './errors.js';

/** The graph document schema's identifier rule: ids appear in URLs and file names. */
const GRAPH_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const MAX_LENGTH = 64;

/** An explicit id wins, then the document's own id, then a slug of its name. */
export function graphIdFor(doc: AnyGraphDocument, explicit?: string): string {
  const id = explicit ?? doc.id ?? slugify(doc.name);
  if (!GRAPH_ID.test(id) || id.length > MAX_LENGTH) {
    throw new StoreError(
      'GRAPH_ID_INVALID',
      `graph id "${id}" is invalid: use letters, digits, "_" and "-", start with a letter or "_", at most ${MAX_LENGTH} characters`,
      { retryable: false },
    );
  }
  return id;
}

/** `"Café Noir: Episode 2"` → `"cafe-noir-episode-2"`; always a valid graph id. */
export function slugify(name: string): string {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // combining marks left by NFKD: é → e
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const slug = /^[a-z]/.test(words) ? words : `graph${words ? `-${words}` : ''}`;
  return slug.slice(0, MAX_LENGTH).replace(/-+$/, '');
}

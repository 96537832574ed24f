/**
 * The editor's view of the reelgraph server's HTTP API. In development Vite
 * proxies `/api` to the server (see vite.config.ts); in production the server
 * serves the editor itself, so relative URLs work in both.
 */
import type { NodeDescription } from '../../runtime/contract/index.js';

export type NodesResult = { ok: true; nodes: NodeDescription[] } | { ok: false; reason: string };

/** `GET /api/nodes`. Never throws: an unreachable server is an expected state. */
export async function fetchNodeDescriptions(signal?: AbortSignal): Promise<NodesResult> {
  let response: Response;
  try {
    response = await fetch('/api/nodes', { headers: { accept: 'application/json' }, signal: signal ?? null });
  } catch (error) {
    if (signal?.aborted) throw error;
    return { ok: false, reason: 'the server could not be reached' };
  }
  if (!response.ok) {
    // The Vite proxy answers 502/504 (or 500) when nothing listens behind it.
    return { ok: false, reason: `GET /api/nodes answered ${response.status} ${response.statusText}`.trim() };
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.includes('json')) {
    // A static file server without the API falls back to index.html.
    return { ok: false, reason: 'GET /api/nodes did not answer JSON' };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return { ok: false, reason: 'GET /api/nodes answered malformed JSON' };
  }
  if (!Array.isArray(body)) return { ok: false, reason: 'GET /api/nodes did not answer a list of node descriptions' };
  const nodes = body.filter(isNodeDescription);
  return { ok: true, nodes };
}

function isNodeDescription(value: unknown): value is NodeDescription {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.type === 'string' && typeof v.version === 'number' && Array.isArray(v.inputs) && Array.isArray(v.outputs);
}

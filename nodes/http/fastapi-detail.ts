/**
 * FastAPI-style error bodies, `{"detail": ...}`, as fal, Kokoro and
 * ElevenLabs send them. `detail` is a sentence, a validation list of
 * `{loc, msg, type}` (FastAPI's 422), or the provider's own object, whose
 * fields only that provider's client knows how to read.
 */

export type FastApiDetail =
  | { kind: 'text'; message: string }
  | { kind: 'validation'; message: string }
  | { kind: 'object'; fields: Record<string, unknown> };

export interface FastApiDetailOptions {
  /** Append each problem's `type` in parentheses (fal's types say more than its messages). */
  withType?: boolean;
}

/**
 * The `detail` of a parsed error body; undefined when there is none, so the
 * caller falls back to the body's text. A validation list reads
 * `body.input: Field required; body.voice: bad`.
 */
export function fastApiDetail(json: unknown, options: FastApiDetailOptions = {}): FastApiDetail | undefined {
  const detail = isRecord(json) ? json.detail : undefined;
  if (typeof detail === 'string') return { kind: 'text', message: detail };
  if (Array.isArray(detail)) return { kind: 'validation', message: detail.map((entry) => validationProblem(entry, options)).join('; ') };
  if (isRecord(detail)) return { kind: 'object', fields: detail };
  return undefined;
}

function validationProblem(entry: unknown, options: FastApiDetailOptions): string {
  const { loc, msg, type } = (isRecord(entry) ? entry : {}) as { loc?: unknown; msg?: unknown; type?: unknown };
  const where = Array.isArray(loc) ? loc.join('.') : '';
  // An entry without a message is shown whole rather than dropped: it is all the provider said.
  const message = typeof msg === 'string' ? msg : JSON.stringify(entry);
  const kind = options.withType && typeof type === 'string' ? ` (${type})` : '';
  return `${where ? `${where}: ` : ''}${message}${kind}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

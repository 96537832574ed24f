/** The server's logger: pino JSON on stdout, with secrets redacted whatever a caller passes. */
import { pino, type Logger } from 'pino';

export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-reelgraph-signature"]',
  '*.authorization',
  '*.token',
  '*.secret',
  '*.apiKey',
  '*.password',
  '*.fields',
  '*.credentials',
];

/**
 * Query parameters whose values are secrets, by what their names contain:
 * clients and providers spell them every way (`token`, `access_token`,
 * `X-Amz-Signature`, `api-key`, `client_secret`, `sig`, `sessionid`…), so a
 * list of exact names always misses the next one.
 */
const SECRET_PARAM_NAME = /token|secret|passw(?:or)?d|^pwd$|apikey|(?:^|[-_.])key(?:$|[-_.])|signature|(?:^|[-_.])sig$|auth(?!ors?(?:$|[-_.]))|credential|session|sessid|^sid$|jwt|hmac|cookie|bearer/i;

const REDACTED = '[redacted]';

/** A query-string pair inside any text: a URL, a path, or a message that quotes one. */
const QUERY_PAIR = /([?&;])([^=&;#\s"'<>]+)=([^&;#\s"'<>]*)/g;

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

export function isSecretParamName(name: string): boolean {
  return SECRET_PARAM_NAME.test(decodedName(name));
}

/** `text` with the value of every secret-looking query parameter replaced by `[redacted]`; names and other values kept for debugging. */
export function redactQuerySecrets(text: string): string {
  return text.replace(QUERY_PAIR, (pair, separator: string, name: string, value: string) => (value && isSecretParamName(name) ? `${separator}${name}=${REDACTED}` : pair));
}

const redactText = (value: unknown): unknown => (typeof value === 'string' ? redactQuerySecrets(value) : value);

/** Errors keep their shape; a message or stack quoting a URL loses its secrets. */
function redactError(error: unknown): unknown {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  if (!serialized || typeof serialized !== 'object') return serialized;
  return { ...serialized, message: redactText(serialized.message), stack: redactText(serialized.stack) };
}

/** Fields that hold URLs wherever they are logged (pino applies serializers to these keys at the top level of every line). */
export const urlSerializers = { url: redactText, path: redactText, originalUrl: redactText, err: redactError };

/** `destination`: where the JSON lines go (default stdout); tests pass a stream to read them. */
export function createServerLogger(env: NodeJS.ProcessEnv = process.env, destination?: pino.DestinationStream): Logger {
  const options = { level: env.REELGRAPH_LOG_LEVEL ?? 'info', redact: { paths: redactPaths, censor: REDACTED }, serializers: urlSerializers };
  return destination ? pino(options, destination) : pino(options);
}

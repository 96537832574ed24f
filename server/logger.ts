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

/** `destination`: where the JSON lines go (default stdout); tests pass a stream to read them. */
export function createServerLogger(env: NodeJS.ProcessEnv = process.env, destination?: pino.DestinationStream): Logger {
  const options = { level: env.REELGRAPH_LOG_LEVEL ?? 'info', redact: { paths: redactPaths, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

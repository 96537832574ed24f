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

export function createServerLogger(env: NodeJS.ProcessEnv = process.env): Logger {
  return pino({ level: env.REELGRAPH_LOG_LEVEL ?? 'info', redact: { paths: redactPaths, censor: '[redacted]' } });
}

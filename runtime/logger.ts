/** The process logger: pino JSON on stderr, level from REELGRAPH_LOG_LEVEL (default warn for the CLI, info for services). */
import { pino, type Logger } from 'pino';

export function createLogger(env: NodeJS.ProcessEnv = process.env, fallbackLevel = 'warn'): Logger {
  return pino(
    {
      level: env.REELGRAPH_LOG_LEVEL ?? fallbackLevel,
      // Credentials and tokens must never reach a log line, whatever a caller passes.
      redact: { paths: ['*.apiKey', '*.token', '*.secret', '*.password', 'headers.authorization', 'req.headers.authorization', '*.credentials'], censor: '[redacted]' },
    },
    pino.destination(2),
  );
}

import { ReelgraphError } from '../../../runtime/contract/index.js';

/**
 * A script that cannot be understood. `code` says what (SCRIPT_UNCLOSED_FENCE,
 * SCRIPT_FRONT_MATTER, …); the message starts with `file:line` when known.
 * Never retried: the same text always fails the same way.
 */
export class ScriptError extends ReelgraphError {
  constructor(code: string, message: string, where: { file?: string; line?: number } = {}) {
    const prefix = [where.file, where.line].filter((part) => part !== undefined).join(':');
    super(code, prefix ? `${prefix}: ${message}` : message, {
      retryable: false,
      location: { ...(where.file ? { file: where.file } : {}), ...(where.line !== undefined ? { line: where.line } : {}) },
    });
  }
}

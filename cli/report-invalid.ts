/** Reporting what the user gave us wrong: a message on stderr, or a JSON object for --json. */
import { GraphValidationError, ReelgraphError, serializeError } from '../runtime/contract/index.js';
import type { GraphProblem } from '../runtime/contract/index.js';
import { InvalidRunInputError } from '../runtime/engine/engine.js';
import { GraphFileError } from '../runtime/graph-file.js';
import type { Io } from './io.js';

export function problemsOf(error: unknown): GraphProblem[] {
  if (error instanceof GraphValidationError || error instanceof InvalidRunInputError) return error.problems;
  const location = error instanceof ReelgraphError ? error.location : {};
  return [{ path: '', code: error instanceof ReelgraphError ? error.code : 'ERROR', message: error instanceof Error ? error.message : String(error), ...(location.nodeId ? { nodeId: location.nodeId } : {}) }];
}

/** Problems with what the user gave us (exit 2), as opposed to failures while working (exit 1). */
export function isInvalidInput(error: unknown): error is ReelgraphError {
  return error instanceof GraphValidationError || error instanceof InvalidRunInputError || error instanceof GraphFileError;
}

export function reportInvalid(error: unknown, json: boolean, io: Io): void {
  if (!isInvalidInput(error)) throw error;
  if (json) {
    io.out(`${JSON.stringify({ status: 'invalid', error: serializeError(error), errors: problemsOf(error) })}\n`);
  } else {
    io.err(`${error.message}\n`);
  }
}

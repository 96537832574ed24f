/** Graph inputs from `--input name=value` and `--input name=@file`. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatPortType } from '../runtime/contract/index.js';
import type { GraphDocument, GraphInput, GraphProblem } from '../runtime/contract/index.js';
import { InvalidRunInputError } from '../runtime/engine/engine.js';

/**
 * `name=value` and `name=@file`, coerced to the declared input type; for
 * `@file` also the file name as the user typed it, so errors point at it.
 */
export async function parseInputs(graph: GraphDocument, pairs: string[]): Promise<{ inputs: Record<string, unknown>; sources: Record<string, string> }> {
  const inputs: Record<string, unknown> = {};
  const sources: Record<string, string> = {};
  const problems: GraphProblem[] = [];
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      problems.push({ path: '/inputs', code: 'INVALID_INPUT', message: `--input "${pair}" must look like name=value or name=@file` });
      continue;
    }
    const name = pair.slice(0, eq);
    let raw = pair.slice(eq + 1);
    if (raw.startsWith('@')) {
      const file = resolve(raw.slice(1));
      try {
        raw = await readFile(file, 'utf8');
      } catch (error) {
        problems.push({ path: `/inputs/${name}`, code: 'INVALID_INPUT', message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}` });
        continue;
      }
      sources[name] = pair.slice(eq + 2);
    }
    const coerced = coerceInput(graph.inputs?.[name], raw);
    if (coerced.ok) inputs[name] = coerced.value;
    else problems.push({ path: `/inputs/${name}`, code: 'INVALID_INPUT', message: `input "${name}": ${coerced.message}` });
  }
  if (problems.length > 0) throw new InvalidRunInputError(problems);
  return { inputs, sources };
}

function coerceInput(spec: GraphInput | undefined, raw: string): { ok: true; value: unknown } | { ok: false; message: string } {
  // Unknown names pass through; the engine reports them with the list of declared inputs.
  if (!spec) return { ok: true, value: raw };
  if (spec.list || spec.type === 'Json' || spec.type === 'Number' || spec.type === 'Boolean') {
    try {
      return { ok: true, value: JSON.parse(raw) };
    } catch {
      return { ok: false, message: `expected JSON for ${formatPortType(spec)}, got ${JSON.stringify(raw.slice(0, 40))}` };
    }
  }
  return { ok: true, value: raw };
}

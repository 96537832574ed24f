/**
 * The Run panel's form values and the run inputs they stand for (pure, no
 * DOM): a draft kept per graph is the form's values; a run's inputs (from the
 * history, or an example episode) become form values again.
 */
import type { GraphInput } from '../../../runtime/contract/graph.js';
import type { RequestProblem } from '../../../runtime/contract/errors.js';
import { formatPortType } from '../../../runtime/contract/ports.js';

/** Form values by input name: text as typed, or a checkbox's boolean. */
export type FormValues = Record<string, string | boolean>;

/** One input value as the form shows it: text stays text, a boolean a checkbox, anything else JSON. */
export function formValue(value: unknown): string | boolean {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value, null, 2);
}

/**
 * Run inputs (or a stored draft) as form values. With `declared`, only the
 * graph's declared inputs are taken (a run of an older version may have had
 * others).
 */
export function formValuesFromInputs(inputs: Record<string, unknown> | undefined, declared?: Record<string, GraphInput>): FormValues {
  const values: FormValues = {};
  for (const [name, value] of Object.entries(inputs ?? {})) {
    if (declared && !(name in declared)) continue;
    values[name] = formValue(value);
  }
  return values;
}

/** A draft kept in this browser: the values and when they were typed. */
export interface LocalDraft {
  values: FormValues;
  at: number;
}

export function parseLocalDraft(text: string | null): LocalDraft | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<LocalDraft>;
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.values !== 'object' || parsed.values === null) return undefined;
    return { values: formValuesFromInputs(parsed.values as Record<string, unknown>), at: typeof parsed.at === 'number' ? parsed.at : 0 };
  } catch {
    return undefined;
  }
}

/**
 * Which draft wins when a graph opens: the server's, unless this browser
 * kept a newer one (typed just before a reload, before the debounced save
 * went out).
 */
export function newerDraft(server: { inputs: Record<string, unknown>; updatedAt?: number } | undefined, local: LocalDraft | undefined): FormValues | undefined {
  const fromServer = server && Object.keys(server.inputs).length > 0 ? formValuesFromInputs(server.inputs) : undefined;
  if (local && (!fromServer || local.at > (server?.updatedAt ?? 0))) return local.values;
  return fromServer;
}

/** What an input's field shows before anything is typed: its default. */
export function initialValue(input: GraphInput): string | boolean {
  if (input.type === 'Boolean' && !input.list) return input.default === true;
  if (input.default === undefined) return '';
  return typeof input.default === 'string' ? input.default : JSON.stringify(input.default, null, 2);
}

/**
 * The form's values as run inputs: empty fields are left out (the graph's
 * defaults apply). A run and its estimate send the same inputs from this.
 */
export function toInputs(declared: Record<string, GraphInput>, values: FormValues): { inputs: Record<string, unknown>; problems: RequestProblem[] } {
  const inputs: Record<string, unknown> = {};
  const problems: RequestProblem[] = [];
  for (const [name, input] of Object.entries(declared)) {
    const raw = values[name];
    if (raw === undefined || raw === '') continue;
    if (typeof raw === 'boolean') {
      inputs[name] = raw;
      continue;
    }
    const textual = (input.type === 'Markdown' || input.type === 'Text') && !input.list;
    if (textual) inputs[name] = raw;
    else if (input.type === 'Number' && !input.list) {
      const n = Number(raw);
      if (Number.isFinite(n)) inputs[name] = n;
      else problems.push({ in: 'inputs', path: `/${name}`, message: `"${raw}" is not a number` });
    } else {
      try {
        inputs[name] = JSON.parse(raw);
      } catch {
        problems.push({ in: 'inputs', path: `/${name}`, message: `not valid JSON (${formatPortType(input)})` });
      }
    }
  }
  return { inputs, problems };
}

/**
 * Required inputs the form leaves empty and the graph gives no default: the
 * estimate waits for them rather than asking the server for a certain 400.
 * (A run still asks, so the server's own message shows.)
 */
export function missingRequired(declared: Record<string, GraphInput>, inputs: Record<string, unknown>): RequestProblem[] {
  return Object.entries(declared)
    // As the engine reads an input: required unless it says `required: false`.
    .filter(([name, input]) => input.required !== false && input.default === undefined && inputs[name] === undefined)
    .map(([name, input]) => ({ in: 'inputs', path: `/${name}`, message: `"${input.title ?? name}" is required` }));
}

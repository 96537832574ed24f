/**
 * The graph's declared inputs and named outputs, in the Graph panel: list,
 * add, edit and remove inputs (name, port type, list, required, default,
 * title, description) and add or remove outputs (`name → node.port`, chosen
 * from the nodes' output ports). Names follow the contract's patterns and
 * are unique; a default is checked with ajv against its type's JSON Schema,
 * as a run checks it. Every change is one store action, so one undo step.
 */
import { useMemo, useState, type FormEvent } from 'react';
import { formatPortType, isPortTypeName, portTypeNames, portTypes, type GraphDocument, type GraphInput, type PortTypeName } from '../../../runtime/contract/index.js';
import { graphInputDefaultProblems, graphInputUses, graphIoNameProblem, outputPortChoices } from '../state/document-ops.js';
import { useGraphStore } from '../state/graph-store.js';
import { Section } from './Section.js';

const count = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** A default as a short string for the list. */
function showDefault(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

// ─── inputs ─────────────────────────────────────────────────────────────────

interface InputDraft {
  name: string;
  type: PortTypeName;
  list: boolean;
  required: boolean;
  /** The default as typed: text for Text/Markdown, a number, "true"/"false", else JSON; '' for none. */
  default: string;
  title: string;
  description: string;
}

const isTextual = (draft: Pick<InputDraft, 'type' | 'list'>): boolean => (draft.type === 'Text' || draft.type === 'Markdown') && !draft.list;

function draftOf(name: string, input: GraphInput | undefined): InputDraft {
  const type = input && isPortTypeName(input.type) ? input.type : 'Text';
  const list = input?.list === true;
  let text = '';
  if (input?.default !== undefined) text = typeof input.default === 'string' && isTextual({ type, list }) ? input.default : JSON.stringify(input.default, null, 2);
  return { name, type, list, required: input?.required === true, default: text, title: input?.title ?? '', description: input?.description ?? '' };
}

/** The draft as a graph input, or the problems that keep it from being one. */
function inputOf(draft: InputDraft): { ok: true; input: GraphInput } | { ok: false; problems: string[] } {
  const input: GraphInput = { type: draft.type };
  if (draft.list) input.list = true;
  if (draft.required) input.required = true;
  if (draft.title.trim()) input.title = draft.title.trim();
  if (draft.description.trim()) input.description = draft.description.trim();
  const raw = draft.default;
  if (raw !== '') {
    if (isTextual(draft)) input.default = raw;
    else if (draft.type === 'Number' && !draft.list) {
      const n = Number(raw.trim());
      if (raw.trim() === '' || !Number.isFinite(n)) return { ok: false, problems: [`default "${raw}" is not a number`] };
      input.default = n;
    } else {
      try {
        input.default = JSON.parse(raw);
      } catch {
        return { ok: false, problems: [`default is not valid JSON (a ${formatPortType(draft)} value is written as JSON)`] };
      }
    }
  }
  const problems = graphInputDefaultProblems(input);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, input };
}

function InputForm({ doc, previous, onDone }: { doc: GraphDocument; previous?: string | undefined; onDone: () => void }) {
  const [draft, setDraft] = useState<InputDraft>(() => draftOf(previous ?? '', previous !== undefined ? doc.inputs?.[previous] : undefined));
  const [problems, setProblems] = useState<string[]>([]);
  const set = <K extends keyof InputDraft>(key: K, value: InputDraft[K]) => {
    setDraft((old) => ({ ...old, [key]: value }));
    setProblems([]);
  };

  const save = (event: FormEvent) => {
    event.preventDefault();
    const name = draft.name.trim();
    const nameProblem = graphIoNameProblem(doc, 'input', name, previous);
    const result = inputOf(draft);
    const found = [...(nameProblem ? [nameProblem] : []), ...(result.ok ? [] : result.problems)];
    if (found.length > 0 || !result.ok) {
      setProblems(found);
      return;
    }
    useGraphStore.getState().setGraphInput(name, result.input, previous);
    onDone();
  };

  const booleanDefault = draft.type === 'Boolean' && !draft.list;
  return (
    <form className="rg-graph-form rg-io-form" onSubmit={save} data-testid="graph-input-form">
      <label className="rg-graph-field">
        <span>Name</span>
        <input data-testid="graph-input-name" value={draft.name} onChange={(event) => set('name', event.target.value)} placeholder="e.g. episode" autoFocus spellCheck={false} />
      </label>
      <div className="rg-io-row">
        <label className="rg-graph-field rg-io-grow">
          <span>Type</span>
          <select
            data-testid="graph-input-type"
            value={draft.type}
            onChange={(event) => {
              const type = event.target.value as PortTypeName;
              set('type', type);
              // The true/false picker cannot show another default: start it empty.
              if (type === 'Boolean' && !draft.list && !['', 'true', 'false'].includes(draft.default.trim())) set('default', '');
            }}
          >
            {portTypeNames.map((type) => (
              <option key={type} value={type} title={portTypes[type].description}>
                {type}
              </option>
            ))}
          </select>
        </label>
        <label className="rg-io-check">
          <input type="checkbox" data-testid="graph-input-list" checked={draft.list} onChange={(event) => set('list', event.target.checked)} /> list
        </label>
        <label className="rg-io-check">
          <input type="checkbox" data-testid="graph-input-required" checked={draft.required} onChange={(event) => set('required', event.target.checked)} /> required
        </label>
      </div>
      <span className="rg-muted rg-small">{portTypes[draft.type].description}</span>
      <label className="rg-graph-field">
        <span>
          Default <span className="rg-muted rg-small">({isTextual(draft) ? 'text' : booleanDefault ? 'true or false' : draft.type === 'Number' && !draft.list ? 'a number' : 'JSON'}; empty for none)</span>
        </span>
        {booleanDefault ? (
          <select data-testid="graph-input-default" value={draft.default} onChange={(event) => set('default', event.target.value)}>
            <option value="">(none)</option>
            <option value="true">true</option>
            <option value="false">false</option>
          </select>
        ) : (
          <textarea
            data-testid="graph-input-default"
            rows={isTextual(draft) && draft.type === 'Text' ? 2 : 4}
            className={isTextual(draft) ? '' : 'rg-io-mono'}
            value={draft.default}
            onChange={(event) => set('default', event.target.value)}
            spellCheck={isTextual(draft)}
          />
        )}
      </label>
      <label className="rg-graph-field">
        <span>
          Title <span className="rg-muted rg-small">(optional)</span>
        </span>
        <input data-testid="graph-input-title" value={draft.title} onChange={(event) => set('title', event.target.value)} placeholder={draft.name || 'shown in the Run panel'} />
      </label>
      <label className="rg-graph-field">
        <span>
          Description <span className="rg-muted rg-small">(optional)</span>
        </span>
        <input data-testid="graph-input-description" value={draft.description} onChange={(event) => set('description', event.target.value)} />
      </label>
      {problems.length > 0 ? (
        <ul className="rg-graph-error rg-io-problems" role="alert" data-testid="graph-input-error">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      ) : null}
      <div className="rg-graph-actions">
        <button type="submit" className="rg-button rg-button--primary" data-testid="graph-input-save">
          {previous !== undefined ? 'Save input' : 'Add input'}
        </button>
        <button type="button" className="rg-button" data-testid="graph-input-cancel" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Removes an input; when edges read it, asks first (they go too). */
export function confirmRemoveInput(doc: GraphDocument, name: string): void {
  const uses = graphInputUses(doc, name);
  if (uses.length > 0) {
    const targets = uses.map((edge) => edge.to).join(', ');
    if (!window.confirm(`Graph input "${name}" feeds ${count(uses.length, 'connection')} (${targets}). Remove the input and ${uses.length === 1 ? 'that connection' : 'those connections'}?`)) return;
  }
  useGraphStore.getState().removeGraphInput(name);
}

export function GraphInputsSection() {
  const doc = useGraphStore((state) => state.doc);
  /** The form: `{}` adds an input, `{ previous }` edits that one. */
  const [editing, setEditing] = useState<{ previous?: string } | undefined>(undefined);
  const entries = Object.entries(doc.inputs ?? {});
  // An input removed meanwhile (undo, another panel) closes its form.
  const editingGone = editing?.previous !== undefined && !doc.inputs?.[editing.previous];
  const form = editing && !editingGone ? editing : undefined;

  return (
    <Section title="Inputs" testId="graph-inputs" extra={<span className="rg-muted rg-small">{entries.length === 0 ? 'none' : count(entries.length, 'input')}</span>}>
      {entries.length === 0 ? <p className="rg-muted rg-small">No graph inputs. A run gives each input a value; nodes read it through a connection from “Graph inputs”.</p> : null}
      <ul className="rg-io-list">
        {entries.map(([name, input]) => {
          const uses = graphInputUses(doc, name).length;
          return form?.previous === name ? (
            <li key={name} className="rg-io-item rg-io-item--editing" data-testid={`graph-input-row-${name}`} data-input-name={name}>
              <InputForm key={`edit-${name}`} doc={doc} previous={name} onDone={() => setEditing(undefined)} />
            </li>
          ) : (
            <li key={name} className="rg-io-item" data-testid={`graph-input-row-${name}`} data-input-name={name}>
              <div className="rg-io-head">
                <code className="rg-io-name">{name}</code>
                <code className="rg-port-type" style={{ color: isPortTypeName(input.type) ? portTypes[input.type].color : undefined }}>
                  {formatPortType(input)}
                </code>
                {input.required ? <span className="rg-graph-tag">required</span> : null}
                <span className="rg-io-buttons">
                  <button type="button" className="rg-link-button" data-testid={`graph-input-edit-${name}`} onClick={() => setEditing({ previous: name })}>
                    edit
                  </button>
                  <button type="button" className="rg-link-button rg-button--danger" data-testid={`graph-input-remove-${name}`} onClick={() => confirmRemoveInput(doc, name)}>
                    remove
                  </button>
                </span>
              </div>
              <div className="rg-muted rg-small">
                {input.title ? <span>“{input.title}” · </span> : null}
                {input.default !== undefined ? (
                  <span>
                    default <code>{showDefault(input.default)}</code> ·{' '}
                  </span>
                ) : null}
                {uses === 0 ? <span className="rg-io-unused">not connected</span> : <span>feeds {count(uses, 'port')}</span>}
              </div>
            </li>
          );
        })}
      </ul>
      {form && form.previous === undefined ? (
        <InputForm key="add" doc={doc} onDone={() => setEditing(undefined)} />
      ) : (
        <div className="rg-graph-actions">
          <button type="button" className="rg-button rg-button--small" data-testid="graph-input-add" onClick={() => setEditing({})}>
            Add input
          </button>
        </div>
      )}
    </Section>
  );
}

// ─── outputs ────────────────────────────────────────────────────────────────

function OutputForm({ doc, onDone }: { doc: GraphDocument; onDone: () => void }) {
  const registry = useGraphStore((state) => state.registry);
  const choices = useMemo(() => outputPortChoices(doc, registry), [doc, registry]);
  const [name, setName] = useState('');
  const [nameTouched, setNameTouched] = useState(false);
  const [source, setSource] = useState('');
  const [problems, setProblems] = useState<string[]>([]);

  const save = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = name.trim();
    const found: string[] = [];
    const nameProblem = graphIoNameProblem(doc, 'output', trimmed);
    if (nameProblem) found.push(nameProblem);
    if (!choices.some((choice) => choice.ref === source)) found.push(source ? `${source} is not an output port of this graph's nodes` : 'choose the node output this graph output names');
    if (found.length > 0) {
      setProblems(found);
      return;
    }
    useGraphStore.getState().setGraphOutput(trimmed, source);
    onDone();
  };

  return (
    <form className="rg-graph-form rg-io-form" onSubmit={save} data-testid="graph-output-form">
      <label className="rg-graph-field">
        <span>Source</span>
        <select
          data-testid="graph-output-source"
          value={source}
          onChange={(event) => {
            const ref = event.target.value;
            setSource(ref);
            setProblems([]);
            // The port's name is a good default name until the user types one.
            if (!nameTouched && ref) setName(ref.slice(ref.indexOf('.') + 1));
          }}
        >
          <option value="">{choices.length === 0 ? '(no node has outputs yet)' : 'choose node.port…'}</option>
          {choices.map((choice) => (
            <option key={choice.ref} value={choice.ref}>
              {choice.ref} · {formatPortType(choice.port)}
              {choice.node.title ? ` (${choice.node.title})` : ''}
            </option>
          ))}
        </select>
      </label>
      <label className="rg-graph-field">
        <span>Name</span>
        <input
          data-testid="graph-output-name"
          value={name}
          onChange={(event) => {
            setName(event.target.value);
            setNameTouched(true);
            setProblems([]);
          }}
          placeholder="e.g. video"
          spellCheck={false}
        />
      </label>
      {problems.length > 0 ? (
        <ul className="rg-graph-error rg-io-problems" role="alert" data-testid="graph-output-error">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      ) : null}
      <div className="rg-graph-actions">
        <button type="submit" className="rg-button rg-button--primary" data-testid="graph-output-save">
          Add output
        </button>
        <button type="button" className="rg-button" data-testid="graph-output-cancel" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function GraphOutputsSection() {
  const doc = useGraphStore((state) => state.doc);
  const [adding, setAdding] = useState(false);
  const entries = Object.entries(doc.outputs ?? {});
  const nodeIds = useMemo(() => new Set(doc.nodes.map((node) => node.id)), [doc.nodes]);

  return (
    <Section title="Outputs" testId="graph-outputs" extra={<span className="rg-muted rg-small">{entries.length === 0 ? 'none' : count(entries.length, 'output')}</span>}>
      {entries.length === 0 ? <p className="rg-muted rg-small">No named outputs. A run's results are every sink's outputs; named outputs pick the ones that matter (the Run panel shows them).</p> : null}
      <ul className="rg-io-list">
        {entries.map(([name, ref]) => {
          const nodeId = ref.slice(0, ref.indexOf('.'));
          return (
            <li key={name} className="rg-io-item" data-testid={`graph-output-row-${name}`} data-output-name={name}>
              <div className="rg-io-head">
                <code className="rg-io-name">{name}</code>
                <span className="rg-muted">←</span>
                {nodeIds.has(nodeId) ? (
                  <button
                    type="button"
                    className="rg-link-button"
                    title="Select the node"
                    onClick={() => {
                      const state = useGraphStore.getState();
                      state.select([nodeId]);
                      state.setRightTab('node');
                    }}
                  >
                    <code>{ref}</code>
                  </button>
                ) : (
                  <code className="rg-graph-error">{ref} (no such node)</code>
                )}
                <span className="rg-io-buttons">
                  <button type="button" className="rg-link-button rg-button--danger" data-testid={`graph-output-remove-${name}`} onClick={() => useGraphStore.getState().removeGraphOutput(name)}>
                    remove
                  </button>
                </span>
              </div>
            </li>
          );
        })}
      </ul>
      {adding ? (
        <OutputForm doc={doc} onDone={() => setAdding(false)} />
      ) : (
        <div className="rg-graph-actions">
          <button type="button" className="rg-button rg-button--small" data-testid="graph-output-add" onClick={() => setAdding(true)}>
            Add output
          </button>
        </div>
      )}
    </Section>
  );
}

/**
 * Import graphs: choose one or more files, or paste JSON.
 *
 * - One plain graph opens as unsaved changes after the server validated it
 *   (every problem with its node and JSON pointer; a graph with problems can
 *   still be opened to fix it). The import is an undo step.
 * - A series variant (`extends`) is stored through POST /api/graphs/import
 *   together with the other chosen files: its template is a file chosen with
 *   it, else a stored graph, else a shipped template. When none resolves, the
 *   dialog says so and offers to choose the template file too. The stored
 *   variant opens (with its URL). Several plain graphs are stored the same way.
 *
 * Whatever replaces unsaved work asks first (confirmDiscard).
 */
import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { GRAPH_FORMAT, type GraphDocument } from '../../../runtime/contract/index.js';
import { ApiError, type Problem } from '../api/client.js';
import { useApi } from '../api/context.js';
import { parseGraphDocument } from '../graph.js';
import { notify } from '../state/toast-store.js';
import { useUiStore } from '../state/ui-store.js';
import { ProblemList } from '../ui/ProblemList.js';
import { confirmDiscard } from './ConfirmDialog.js';
import { openStored, openUnsaved } from './documents.js';

/** A chosen file (or the pasted text: no file name). */
interface Source {
  fileName?: string;
  text: string;
}

type Parsed =
  | { kind: 'graph'; source: Source; doc: GraphDocument }
  | { kind: 'variant'; source: Source; document: Record<string, unknown>; extends: string }
  | { kind: 'invalid'; source: Source; reason: string };

type Check =
  | { state: 'idle' }
  | { state: 'busy'; what: string }
  | { state: 'invalid'; reasons: string[] }
  /** One plain graph, validated: open it (anyway). */
  | { state: 'checked'; doc: GraphDocument; problems: Problem[]; note?: string }
  /** The server could not store the files; `missingTemplate` names the variant whose template is missing. */
  | { state: 'failed'; message: string; problems: Problem[]; missingTemplate?: { variant: string; template: string } };

const label = (source: Source): string => source.fileName ?? 'the pasted JSON';

/** A checked file's problems past this many are left off: a wrong file can report thousands. */
const IMPORT_PROBLEMS_SHOWN = 50;

export function parseSource(source: Source): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(source.text);
  } catch (error) {
    return { kind: 'invalid', source, reason: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    if (object.format === GRAPH_FORMAT && typeof object.extends === 'string') return { kind: 'variant', source, document: object, extends: object.extends };
  }
  const parsed = parseGraphDocument(source.text);
  return parsed.ok ? { kind: 'graph', source, doc: parsed.doc } : { kind: 'invalid', source, reason: parsed.reason };
}

/** `/documents/<i>/document/extends` → i: the server could not resolve that variant's template. */
function missingTemplateIndex(problems: Problem[]): number | undefined {
  for (const problem of problems) {
    const match = /^\/documents\/(\d+)\/document\/extends$/.exec(problem.path);
    if (match) return Number(match[1]);
  }
  return undefined;
}

export function ImportDialog() {
  const request = useUiStore((state) => state.importing);
  const close = useUiStore((state) => state.closeImport);
  const api = useApi();
  const [text, setText] = useState('');
  const [sources, setSources] = useState<Source[]>([]);
  const [check, setCheck] = useState<Check>({ state: 'idle' });
  const fileInput = useRef<HTMLInputElement>(null);
  /** Files chosen next are added to the chosen ones (the missing template), not instead of them. */
  const adding = useRef(false);
  const generation = useRef(0);

  const openPlain = async (doc: GraphDocument, problems: number, fileName?: string) => {
    if (!(await confirmDiscard(`Importing ${fileName ? `"${fileName}"` : 'this graph'}`))) return;
    openUnsaved(doc);
    // Opened, not stored: one graph may have problems to fix first, and the server stores only valid graphs.
    // (A variant, or several files, are stored at once: the variant's template must be stored to resolve it.)
    notify(
      problems > 0 ? 'warning' : 'success',
      `Imported ${doc.name}: ${doc.nodes.length} nodes, ${doc.edges.length} edges${problems > 0 ? ` — ${problems} problem${problems === 1 ? '' : 's'} to fix` : ''}; not stored yet, Save stores it (Undo returns to the previous graph)`,
    );
    close();
  };

  /** Stores every chosen document through the server and opens the variant (else the first graph). */
  const storeAll = async (parsed: Parsed[], mine: number) => {
    const opened = parsed.findIndex((entry) => entry.kind === 'variant');
    const target = parsed[opened >= 0 ? opened : 0]!;
    if (!(await confirmDiscard(`Importing "${label(target.source)}"`))) {
      if (mine === generation.current) setCheck({ state: 'idle' });
      return;
    }
    setCheck({ state: 'busy', what: 'Importing…' });
    try {
      const documents = parsed.map((entry) => ({
        ...(entry.source.fileName ? { fileName: entry.source.fileName } : {}),
        document: entry.kind === 'variant' ? entry.document : entry.kind === 'graph' ? entry.doc : undefined,
      }));
      const { graphs } = await api.importGraphs(documents, `imported from ${parsed.map((entry) => label(entry.source)).join(', ')}`);
      if (mine !== generation.current) return;
      const stored = graphs[opened >= 0 ? opened : 0];
      if (!stored) throw new Error('the server stored nothing');
      openStored(stored, { record: true });
      const others = graphs.filter((graph) => graph !== stored).map((graph) => `"${graph.id}"`);
      notify('success', `Imported ${stored.doc.name} as "${stored.id}"${others.length > 0 ? ` (with ${others.join(', ')})` : ''}`);
      close();
    } catch (error) {
      if (mine !== generation.current) return;
      const problems = error instanceof ApiError ? error.problems : [];
      const index = missingTemplateIndex(problems);
      const variant = index !== undefined ? parsed[index] : undefined;
      setCheck({
        state: 'failed',
        message: error instanceof Error ? error.message : String(error),
        problems,
        ...(variant?.kind === 'variant' ? { missingTemplate: { variant: label(variant.source), template: variant.extends } } : {}),
      });
    }
  };

  const run = async (chosen: Source[], openIfValid: boolean) => {
    const mine = ++generation.current;
    const parsed = chosen.map(parseSource);
    const invalid = parsed.filter((entry): entry is Extract<Parsed, { kind: 'invalid' }> => entry.kind === 'invalid');
    if (invalid.length > 0) {
      setCheck({ state: 'invalid', reasons: invalid.map((entry) => `${label(entry.source)}: ${entry.reason}`) });
      return;
    }
    if (parsed.length > 1 || parsed.some((entry) => entry.kind === 'variant')) {
      await storeAll(parsed, mine);
      return;
    }
    const only = parsed[0];
    if (only?.kind !== 'graph') return;
    setCheck({ state: 'busy', what: 'Checking…' });
    let problems: Problem[] = [];
    let note: string | undefined;
    try {
      problems = (await api.validateGraph(only.doc)).problems;
    } catch (error) {
      note = `not validated by the server: ${error instanceof ApiError ? error.message : String(error)}`;
      if (error instanceof ApiError && error.problems.length > 0) problems = error.problems;
    }
    if (mine !== generation.current) return;
    if (openIfValid && problems.length === 0 && !note) {
      setCheck({ state: 'idle' });
      await openPlain(only.doc, 0, only.source.fileName);
      return;
    }
    setCheck({ state: 'checked', doc: only.doc, problems, ...(note ? { note } : {}) });
  };

  // Opened with a file's text (dropped on the canvas): check it at once.
  useEffect(() => {
    if (!request) return;
    generation.current += 1;
    setText(request.text);
    const initial = request.text.trim() ? [{ text: request.text, ...(request.fileName ? { fileName: request.fileName } : {}) }] : [];
    setSources(initial);
    setCheck({ state: 'idle' });
    if (initial.length > 0) void run(initial, true);
  }, [request]);

  if (!request) return null;

  const onFiles = (event: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(event.target.files ?? []);
    event.target.value = '';
    const add = adding.current;
    adding.current = false;
    if (files.length === 0) return;
    Promise.all(files.map(async (file) => ({ fileName: file.name, text: await file.text() }))).then(
      (read) => {
        const kept = add ? sources.filter((source) => !read.some((next) => next.fileName === source.fileName)) : [];
        const chosen = [...kept, ...read];
        setSources(chosen);
        setText(chosen.length === 1 ? chosen[0]!.text : '');
        void run(chosen, true);
      },
      (error: unknown) => setCheck({ state: 'invalid', reasons: [`cannot read the chosen files: ${String(error)}`] }),
    );
  };

  const chooseFiles = (add: boolean) => {
    adding.current = add;
    fileInput.current?.click();
  };

  const pasted = sources.length === 0 || (sources.length === 1 && sources[0]!.fileName === undefined);
  const busy = check.state === 'busy';

  return (
    <div className="rg-modal" role="dialog" aria-modal="true" aria-label="Import graph" onMouseDown={(event) => event.target === event.currentTarget && close()}>
      <div className="rg-modal__box rg-import" data-testid="import-dialog">
        <header className="rg-modal__head">
          <h2>Import graph</h2>
          <button type="button" className="rg-icon-button" onClick={close} aria-label="Close">
            ×
          </button>
        </header>
        <div className="rg-import__row">
          <button type="button" className="rg-button" onClick={() => chooseFiles(false)} data-testid="import-file">
            Choose files…
          </button>
          <span className="rg-muted rg-small" data-testid="import-files">
            {pasted ? 'or paste a reelgraph/graph JSON document below (a series variant: choose it together with its template file)' : sources.map((source) => source.fileName).join(', ')}
          </span>
          <input ref={fileInput} type="file" accept=".json,application/json" multiple hidden onChange={onFiles} data-testid="import-file-input" />
        </div>
        {pasted ? (
          <textarea
            className="rg-import__text"
            value={text}
            spellCheck={false}
            placeholder='{"format": "reelgraph/graph", "schemaVersion": 1, "name": "…", "nodes": [], "edges": []}'
            onChange={(event) => {
              setText(event.target.value);
              setSources(event.target.value.trim() ? [{ text: event.target.value }] : []);
              setCheck({ state: 'idle' });
            }}
            data-testid="import-text"
            autoFocus
          />
        ) : null}
        {check.state === 'invalid' ? (
          <div className="rg-problems" data-testid="import-problems">
            <strong>Cannot import:</strong>
            <ul>
              {check.reasons.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {check.state === 'failed' ? (
          <div className="rg-problems" data-testid="import-problems" role="alert">
            {check.missingTemplate ? (
              <p data-testid="import-missing-template">
                <strong>{check.missingTemplate.variant}</strong> is a series variant of <code>{check.missingTemplate.template}</code>, which is not among the chosen files, not a stored graph and not a
                shipped template. Choose its template file as well, and both are imported together.
              </p>
            ) : (
              <p>
                <strong>Cannot import:</strong> {check.message}
              </p>
            )}
            {check.problems.length > 0 && !check.missingTemplate ? (
              <ProblemList problems={check.problems} limit={IMPORT_PROBLEMS_SHOWN} />
            ) : null}
            {check.missingTemplate ? (
              <button type="button" className="rg-button" onClick={() => chooseFiles(true)} data-testid="import-add-template">
                Choose the template file…
              </button>
            ) : null}
          </div>
        ) : null}
        {check.state === 'checked' ? (
          <div className="rg-problems" data-testid="import-problems">
            {check.note ? <p className="rg-muted">{check.note}</p> : null}
            {check.problems.length > 0 ? (
              <>
                <strong>
                  {check.problems.length} problem{check.problems.length === 1 ? '' : 's'}
                </strong>{' '}
                — open it anyway to fix them in the editor:
                <ProblemList problems={check.problems} limit={IMPORT_PROBLEMS_SHOWN} />
              </>
            ) : (
              <p>No problems found.</p>
            )}
          </div>
        ) : null}
        <footer className="rg-modal__foot">
          <button type="button" className="rg-button" onClick={close}>
            Cancel
          </button>
          {check.state === 'checked' ? (
            <button
              type="button"
              className="rg-button rg-button--primary"
              onClick={() => void openPlain(check.doc, check.problems.length, sources[0]?.fileName)}
              data-testid="import-open"
            >
              {check.problems.length > 0 ? 'Open anyway' : 'Open'}
            </button>
          ) : (
            <button type="button" className="rg-button rg-button--primary" disabled={sources.length === 0 || busy} onClick={() => void run(sources, true)} data-testid="import-submit">
              {busy ? check.what : 'Import'}
            </button>
          )}
        </footer>
      </div>
    </div>
  );
}

/**
 * "Start from a template": the shipped graphs and example episodes
 * (GET /api/templates), one click each.
 *
 * - A graph is installed on the server (POST /api/templates/graphs/:name/install:
 *   a stored copy, reused when unchanged) and opened, fitted to the view.
 * - An example episode installs and opens the graph it goes with and fills the
 *   Run panel's input with the episode's text.
 *
 * Shown over the empty editor (no nodes, nothing stored open) as a panel, and
 * from the toolbar's Templates button as a dialog. While something is dragged
 * (a palette node, a file) the panel lets it through to the canvas.
 */
import { useEffect, useRef, useState } from 'react';
import { create } from 'zustand';
import type { EpisodeTemplate, GraphDocument, GraphTemplate, TemplateCatalog } from '../../../runtime/contract/index.js';
import type { ApiClient } from '../api/client.js';
import { useApi } from '../api/context.js';
import { setRunInputsDraft } from '../runs/run-store.js';
import { useGraphStore } from '../state/graph-store.js';
import { notify } from '../state/toast-store.js';
import { useRestoreOffer } from './autosave.js';
import { confirmDiscard } from './ConfirmDialog.js';
import { documentOf, openStored } from './documents.js';
import { useRoute } from './routing.js';
import { SeriesSection } from '../series/SeriesBoard.js';
import { useModalFocus } from './modal-focus.js';

interface TemplatesUi {
  /** The dialog (from the toolbar). */
  dialogOpen: boolean;
  /** The panel over the empty editor was closed (until the page is reloaded). */
  panelDismissed: boolean;
  /** Something is being dragged over the page: the panel steps aside. */
  dragging: boolean;
}

export const useTemplatesUi = create<TemplatesUi>()(() => ({ dialogOpen: false, panelDismissed: false, dragging: false }));
export const openTemplates = (): void => useTemplatesUi.setState({ dialogOpen: true });
const closeTemplates = (): void => useTemplatesUi.setState({ dialogOpen: false });

/** The input an example episode's text goes into: the one of its format's type, else the first text input. */
export function episodeInputOf(doc: GraphDocument, format: EpisodeTemplate['format']): string | undefined {
  const inputs = Object.entries(doc.inputs ?? {});
  const wanted = format === 'fountain' ? ['Fountain', 'Text', 'Markdown'] : ['Markdown', 'Text'];
  for (const type of wanted) {
    const found = inputs.find(([, input]) => input.type === type);
    if (found) return found[0];
  }
  return inputs[0]?.[0];
}

async function openGraphTemplate(api: ApiClient, template: GraphTemplate): Promise<boolean> {
  if (!(await confirmDiscard(`Opening the template "${template.title}"`))) return false;
  const stored = await api.installTemplate(template.name);
  openStored(stored);
  notify('success', `Opened the template ${template.title} as "${stored.id}"`);
  return true;
}

async function openEpisodeTemplate(api: ApiClient, episode: EpisodeTemplate, graphs: GraphTemplate[]): Promise<boolean> {
  const graph = graphs.find((candidate) => candidate.name === episode.graph);
  if (!(await confirmDiscard(`Opening the example "${episode.title}"`))) return false;
  const [stored, text] = await Promise.all([api.installTemplate(episode.graph), api.episodeTemplate(episode.name)]);
  openStored(stored);
  const input = episodeInputOf(documentOf(stored), episode.format);
  if (input) {
    setRunInputsDraft({ [input]: text.text });
    useGraphStore.getState().setRightTab('run');
  }
  notify('success', `Opened ${graph?.title ?? stored.id} with the example episode "${episode.title}"${input ? ` in its "${input}" input: press Run` : ''}`);
  return true;
}

type Catalog = { state: 'loading' } | { state: 'ready'; catalog: TemplateCatalog } | { state: 'error'; message: string };

function TemplateList({ onOpened }: { onOpened(): void }) {
  const api = useApi();
  const [catalog, setCatalog] = useState<Catalog>({ state: 'loading' });
  const [busy, setBusy] = useState<string | undefined>(undefined);

  useEffect(() => {
    const controller = new AbortController();
    api.templates(controller.signal).then(
      (loaded) => setCatalog({ state: 'ready', catalog: loaded }),
      (error: unknown) => !controller.signal.aborted && setCatalog({ state: 'error', message: error instanceof Error ? error.message : String(error) }),
    );
    return () => controller.abort();
  }, [api]);

  const open = (key: string, action: () => Promise<boolean>) => {
    if (busy) return;
    setBusy(key);
    action().then(
      (opened) => {
        setBusy(undefined);
        if (opened) onOpened();
      },
      (error: unknown) => {
        setBusy(undefined);
        notify('error', `Could not open the template: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
  };

  if (catalog.state === 'loading') return <p className="rg-muted rg-small">Loading templates…</p>;
  if (catalog.state === 'error') return <p className="rg-graph-error">Templates could not be loaded: {catalog.message}</p>;
  const { graphs, episodes } = catalog.catalog;
  const titleOf = (name: string): string => graphs.find((graph) => graph.name === name)?.title ?? name;

  return (
    <div className="rg-templates__columns">
      <section aria-labelledby="rg-templates-graphs">
        <h3 id="rg-templates-graphs">Graphs</h3>
        <ul className="rg-templates__list">
          {graphs.map((graph) => (
            <li key={graph.name}>
              <button
                type="button"
                className="rg-template"
                disabled={busy !== undefined}
                aria-busy={busy === `graph:${graph.name}`}
                onClick={() => open(`graph:${graph.name}`, () => openGraphTemplate(api, graph))}
                data-testid={`template-graph-${graph.name}`}
              >
                <span className="rg-template__title">{graph.title}</span>
                <span className="rg-template__meta">
                  {graph.kind === 'variant' && graph.extends ? `variant of ${titleOf(graph.extends)} · ` : ''}
                  {graph.nodeCount} nodes{graph.inputs.length > 0 ? ` · input ${graph.inputs.join(', ')}` : ''}
                </span>
                <span className="rg-template__description">{busy === `graph:${graph.name}` ? 'Opening…' : graph.description}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      {episodes.length > 0 ? (
        <section aria-labelledby="rg-templates-episodes">
          <h3 id="rg-templates-episodes">Example episodes</h3>
          <ul className="rg-templates__list">
            {episodes.map((episode) => (
              <li key={episode.name}>
                <button
                  type="button"
                  className="rg-template"
                  disabled={busy !== undefined}
                  aria-busy={busy === `episode:${episode.name}`}
                  onClick={() => open(`episode:${episode.name}`, () => openEpisodeTemplate(api, episode, graphs))}
                  data-testid={`template-episode-${episode.name}`}
                >
                  <span className="rg-template__title">{episode.title}</span>
                  <span className="rg-template__meta">
                    {episode.format} · {episode.words} words · with {titleOf(episode.graph)}
                  </span>
                  <span className="rg-template__description">{busy === `episode:${episode.name}` ? 'Opening…' : episode.description}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </div>
  );
}

/** The panel over the empty editor. */
export function TemplatesPanel() {
  const empty = useGraphStore((state) => state.doc.nodes.length === 0 && !state.meta.id);
  // A URL naming a graph: it is being opened (or the route falls back to empty when it cannot be).
  const opening = useRoute().graphId !== undefined;
  // Unsaved work of this graph was kept: Restore or Discard comes first (RestoreBanner.tsx).
  const offered = useRestoreOffer((state) => state.offer !== null);
  const { dialogOpen, panelDismissed, dragging } = useTemplatesUi();

  // Palette drags and dropped files must reach the canvas under the panel.
  useEffect(() => {
    const start = () => useTemplatesUi.setState({ dragging: true });
    const end = () => useTemplatesUi.setState({ dragging: false });
    window.addEventListener('dragstart', start);
    window.addEventListener('dragenter', start);
    window.addEventListener('dragend', end);
    window.addEventListener('drop', end);
    // A file dragged in from the desktop and out again: no dragend reaches the page.
    const leave = (event: DragEvent) => event.relatedTarget === null && end();
    window.addEventListener('dragleave', leave);
    return () => {
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragstart', start);
      window.removeEventListener('dragenter', start);
      window.removeEventListener('dragend', end);
      window.removeEventListener('drop', end);
    };
  }, []);

  if (!empty || opening || offered || panelDismissed || dialogOpen) return null;
  return (
    <div className={`rg-templates-layer${dragging ? ' is-dragging' : ''}`}>
      <section className="rg-templates rg-templates--panel" aria-label="Start from a template" data-testid="templates">
        <header className="rg-templates__head">
          <h2>Start from a template</h2>
          <button type="button" className="rg-icon-button" onClick={() => useTemplatesUi.setState({ panelDismissed: true })} aria-label="Close the templates" title="Start from an empty canvas">
            ×
          </button>
        </header>
        <p className="rg-muted rg-small">
          Or drag nodes from the palette (double-click adds one), or press <kbd>Ctrl</kbd>+<kbd>O</kbd> to import a graph file. <kbd>?</kbd> lists the shortcuts.
        </p>
        <TemplateList onOpened={() => useTemplatesUi.setState({ panelDismissed: false })} />
        <SeriesSection />
      </section>
    </div>
  );
}

/** The dialog from the toolbar's Templates button. */
export function TemplatesDialog() {
  const open = useTemplatesUi((state) => state.dialogOpen);
  const box = useRef<HTMLDivElement>(null);
  useModalFocus(open, box, closeTemplates);
  if (!open) return null;
  return (
    <div className="rg-modal" role="dialog" aria-modal="true" aria-label="Templates" onMouseDown={(event) => event.target === event.currentTarget && closeTemplates()}>
      <div ref={box} tabIndex={-1} className="rg-modal__box rg-templates rg-templates--dialog" data-testid="templates">
        <header className="rg-modal__head">
          <h2>Start from a template</h2>
          <button type="button" className="rg-icon-button" onClick={closeTemplates} aria-label="Close">
            ×
          </button>
        </header>
        <TemplateList onOpened={closeTemplates} />
      </div>
    </div>
  );
}

/**
 * Graph management: the graph's inputs and outputs (GraphIo.tsx), the stored
 * graphs (open one), Save (a new graph, or a new version), the version
 * history with restore, clone for a series and the variant's diff against
 * its template, the graph's webhook, and validation problems with their node
 * and JSON pointer.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { isVariant } from '../../../runtime/contract/index.js';
import { type GraphSummary, type GraphVersionInfo, type StoredGraph } from '../api/client.js';
import { useApi } from '../api/context.js';
import { openGraph } from '../shell/documents.js';
import { useGraphStore } from '../state/graph-store.js';
import { GraphInputsSection, GraphOutputsSection } from './GraphIo.js';
import { errorText, feedbackOf, FeedbackView, type Feedback } from './feedback.js';
import { GraphList } from './GraphList.js';
import { SaveSection } from './SaveSection.js';
import { HistorySection } from './HistorySection.js';
import { CloneSection } from './CloneSection.js';
import { VariantDiffSection } from './VariantDiffSection.js';
import { WebhookSection } from './WebhookSection.js';
import './graphs.css';

export function GraphPanel() {
  const api = useApi();
  const meta = useGraphStore((state) => state.meta);
  const doc = useGraphStore((state) => state.doc);
  const [graphs, setGraphs] = useState<GraphSummary[] | undefined>(undefined);
  const [listError, setListError] = useState<string | undefined>(undefined);
  const [versions, setVersions] = useState<GraphVersionInfo[] | undefined>(undefined);
  const [current, setCurrent] = useState<StoredGraph | undefined>(undefined);
  const [openError, setOpenError] = useState<Feedback>(undefined);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((value) => value + 1), []);

  // Listed again whenever another stored graph opens: a template installed, a file imported, a clone made.
  useEffect(() => {
    let live = true;
    api.listGraphs().then(
      (list) => {
        if (!live) return;
        setGraphs(list);
        setListError(undefined);
      },
      (error: unknown) => live && setListError(`Could not list graphs: ${errorText(error)}`),
    );
    return () => {
      live = false;
    };
  }, [api, tick, meta.id]);

  // The stored graph behind the open document: its history, and whether it is a variant.
  useEffect(() => {
    let live = true;
    setVersions(undefined);
    setCurrent(undefined);
    if (!meta.id) return;
    const id = meta.id;
    api.graphHistory(id).then(
      (list) => live && setVersions(list),
      () => live && setVersions([]),
    );
    api.getGraph(id, meta.version).then(
      (stored) => live && setCurrent(stored),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, meta.id, meta.version, tick]);

  const open = useCallback(
    async (id: string) => {
      setOpenError(undefined);
      try {
        await openGraph(api, id);
      } catch (error) {
        setOpenError(feedbackOf(error));
      }
    },
    [api],
  );

  const variant = current && current.id === meta.id && isVariant(current.doc) ? current : undefined;
  const stats = useMemo(() => `${doc.nodes.length} nodes · ${doc.edges.length} connections`, [doc]);

  return (
    <div className="rg-graph-panel" data-testid="graph-panel">
      <header className="rg-graph-header">
        <div className="rg-graph-title">{doc.name || 'Untitled graph'}</div>
        <div className="rg-muted rg-small">
          {stats}
          {variant ? (
            <>
              {' '}
              · variant of <code>{(variant.doc as { extends: string }).extends}</code>
            </>
          ) : null}
        </div>
      </header>
      <FeedbackView feedback={openError} doc={doc} />
      <GraphInputsSection />
      <GraphOutputsSection />
      <SaveSection onSaved={refresh} />
      <GraphList graphs={graphs} error={listError} currentId={meta.id} onOpen={(id) => void open(id)} onRefresh={refresh} />
      {meta.id ? (
        <>
          {variant ? <VariantDiffSection key={`${variant.id}@${variant.version}`} id={variant.id} version={variant.version} onOpen={(id) => void open(id)} /> : null}
          <HistorySection id={meta.id} version={meta.version} versions={versions} onRestored={refresh} />
          <CloneSection id={meta.id} onCloned={refresh} />
          <WebhookSection key={meta.id} id={meta.id} />
        </>
      ) : (
        <p className="rg-muted rg-small rg-graph-hint">Save the graph to get its history, series variants and a webhook.</p>
      )}
    </div>
  );
}

export default GraphPanel;

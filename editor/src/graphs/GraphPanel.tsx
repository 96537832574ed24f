/**
 * Graph management: the graph's inputs and outputs (GraphIo.tsx), its
 * settings (render profile, daily budget: GraphSettingsSection.tsx), the stored
 * graphs (open one), Save (a new graph, or a new version), the version
 * history with restore, clone for a series and the variant's diff against
 * its template, the graph's webhook, and validation problems with their node
 * and JSON pointer.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { isVariant } from '../../../runtime/contract/index.js';
import { useApi } from '../api/context.js';
import { fetchGraph, graphDeleted, graphsChanged, refreshGraphs, useGraphHistory, useGraphList, useStoredGraph } from '../api/queries.js';
import { openGraph } from '../shell/documents.js';
import { useGraphStore } from '../state/graph-store.js';
import { GraphInputsSection, GraphOutputsSection } from './GraphIo.js';
import { errorText, feedbackOf, FeedbackView, type Feedback } from './feedback.js';
import { GraphList } from './GraphList.js';
import { GraphSettingsSection } from './GraphSettingsSection.js';
import { SaveSection } from './SaveSection.js';
import { HistorySection } from './HistorySection.js';
import { CloneSection } from './CloneSection.js';
import { VariantDiffSection } from './VariantDiffSection.js';
import { WebhookSection } from './WebhookSection.js';
import './graphs.css';

export function GraphPanel() {
  const api = useApi();
  const queries = useQueryClient();
  const meta = useGraphStore((state) => state.meta);
  const doc = useGraphStore((state) => state.doc);
  const [openError, setOpenError] = useState<Feedback>(undefined);
  const changed = useCallback(() => graphsChanged(queries), [queries]);
  const refresh = useCallback(() => void refreshGraphs(queries), [queries]);

  // Listed again whenever another stored graph opens (a template installed, a file imported, a clone made): see followOpenGraph.
  const list = useGraphList(api);
  const listError = list.error ? `Could not list graphs: ${errorText(list.error)}` : undefined;

  // The stored graph behind the open document: its history, and whether it is a variant.
  const history = useGraphHistory(api, meta.id);
  const versions = history.isError ? [] : history.data;
  const { data: current } = useStoredGraph(api, meta.id, meta.version);

  const open = useCallback(
    async (id: string) => {
      setOpenError(undefined);
      try {
        // The version read here serves the panel and the problem store too (api/queries.ts).
        await openGraph({ getGraph: (graphId, version) => fetchGraph(api, graphId, version) }, id);
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
      <GraphSettingsSection />
      <SaveSection onSaved={changed} />
      <GraphList graphs={list.data} error={listError} currentId={meta.id} onOpen={(id) => void open(id)} onRefresh={refresh} onDeleted={(id) => graphDeleted(queries, id)} />
      {meta.id ? (
        <>
          {variant ? <VariantDiffSection key={`${variant.id}@${variant.version}`} id={variant.id} version={variant.version} onOpen={(id) => void open(id)} /> : null}
          <HistorySection id={meta.id} version={meta.version} versions={versions} onRestored={changed} />
          <CloneSection id={meta.id} onCloned={changed} />
          <WebhookSection key={meta.id} id={meta.id} />
        </>
      ) : (
        <p className="rg-muted rg-small rg-graph-hint">Save the graph to get its history, series variants and a webhook.</p>
      )}
    </div>
  );
}

export default GraphPanel;

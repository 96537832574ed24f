/** A series variant against its template: what its overrides change. */
import { useMemo } from 'react';
import { isVariant, type GraphDocument } from '../../../runtime/contract/index.js';
import { Section } from './Section.js';
import { useApi } from '../api/context.js';
import { useStoredGraph, useVariantDiff } from '../api/queries.js';
import { useGraphStore } from '../state/graph-store.js';
import { describeVariantDiff, formatChange, formatEdge, type NodeRow, type VariantDiff } from './diff.js';
import { errorText } from './feedback.js';

type DiffState = { status: 'loading' } | { status: 'ready'; diff: VariantDiff; extends: string; templateVersion?: number | undefined; overrides: unknown; templateKnown: boolean } | { status: 'error'; message: string };

export function VariantDiffSection({ id, version, onOpen }: { id: string; version?: number | undefined; onOpen: (id: string) => void }) {
  const api = useApi();
  const dirty = useGraphStore((state) => state.meta.dirty);
  const answer = useVariantDiff(api, id, version);
  // The template version the variant resolves against (the problem store reads the same one for its override marks).
  const stored = useStoredGraph(api, answer.data?.extends, answer.data?.templateVersion);
  const state = useMemo<DiffState>(() => {
    if (answer.isError) return { status: 'error', message: errorText(answer.error) };
    if (!answer.data || stored.isPending) return { status: 'loading' };
    // A template that cannot be read leaves the diff without the values before the change.
    const base = stored.isError ? undefined : stored.data;
    const template: GraphDocument | undefined = base ? (base.resolved ?? (isVariant(base.doc) ? undefined : base.doc)) : undefined;
    return {
      status: 'ready',
      diff: describeVariantDiff(template, answer.data.overrides, answer.data.resolved),
      extends: answer.data.extends,
      templateVersion: answer.data.templateVersion,
      overrides: answer.data.overrides,
      templateKnown: template !== undefined,
    };
  }, [answer.isError, answer.error, answer.data, stored.isPending, stored.isError, stored.data]);

  if (state.status === 'loading') return <Section title="Variant" testId="variant-diff"><p className="rg-muted rg-small">Loading the diff…</p></Section>;
  if (state.status === 'error') return <Section title="Variant" testId="variant-diff"><p className="rg-graph-error">{state.message}</p></Section>;
  const { diff } = state;
  return (
    <Section title="Variant" testId="variant-diff" extra={<span className="rg-muted rg-small">{diff.empty ? 'no overrides' : ((count) => `${count} node${count === 1 ? '' : 's'} differ${count === 1 ? 's' : ''}`)(diff.added.length + diff.removed.length + diff.changed.length)}</span>}>
      <p className="rg-small">
        Extends{' '}
        <button type="button" className="rg-link-button" onClick={() => onOpen(state.extends)} title="Open the template">
          {state.extends}
        </button>
        {state.templateVersion !== undefined ? <span className="rg-muted"> (v{state.templateVersion})</span> : null}. Differences of the saved version{dirty ? ' (unsaved changes not included)' : ''}:
      </p>
      {diff.empty ? <p className="rg-muted rg-small">None yet: this variant renders exactly like its template.</p> : null}
      {diff.changed.length > 0 ? (
        <div className="rg-diff-group">
          <h4>Changed nodes</h4>
          <ul>
            {diff.changed.map((node) => (
              <li key={node.id} className="rg-diff-node rg-diff-node--changed" data-testid={`diff-changed-${node.id}`}>
                <span className="rg-diff-mark">~</span> <strong>{node.title ?? node.id}</strong> <code className="rg-small">{node.type}</code>
                {node.movedOnly ? <span className="rg-muted rg-small"> moved only</span> : null}
                {node.changes.length > 0 ? (
                  <ul className="rg-diff-changes">
                    {node.changes.map((change) => (
                      <li key={change.path} className={`rg-diff-change rg-diff-change--${change.kind}`}>
                        {formatChange(change)}
                      </li>
                    ))}
                  </ul>
                ) : null}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <NodeGroup title="Added nodes" kind="added" mark="+" nodes={diff.added} />
      <NodeGroup title="Removed nodes" kind="removed" mark="−" nodes={diff.removed} />
      {diff.edgesAdded.length + diff.edgesRemoved.length > 0 ? (
        <div className="rg-diff-group">
          <h4>Connections</h4>
          <ul>
            {diff.edgesAdded.map((edge) => (
              <li key={`+${formatEdge(edge)}`} className="rg-diff-change rg-diff-change--added">
                + {formatEdge(edge)}
              </li>
            ))}
            {diff.edgesRemoved.map((edge) => (
              <li key={`-${formatEdge(edge)}`} className="rg-diff-change rg-diff-change--removed">
                − {formatEdge(edge)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {diff.settings.length > 0 ? (
        <div className="rg-diff-group">
          <h4>Graph settings</h4>
          <ul>
            {diff.settings.map((change) => (
              <li key={`set-${change.path}`} className={`rg-diff-change rg-diff-change--${change.kind}`} data-testid={`diff-setting-${change.path}`}>
                {formatChange(change)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {diff.inputs.length + diff.outputs.length > 0 ? (
        <div className="rg-diff-group">
          <h4>Inputs and outputs</h4>
          <ul>
            {diff.inputs.map((change) => (
              <li key={`in-${change.path}`} className={`rg-diff-change rg-diff-change--${change.kind}`}>
                input {formatChange(change)}
              </li>
            ))}
            {diff.outputs.map((change) => (
              <li key={`out-${change.path}`} className={`rg-diff-change rg-diff-change--${change.kind}`}>
                output {formatChange(change)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {!state.templateKnown ? <p className="rg-muted rg-small">The template could not be read; values before the change are not shown.</p> : null}
      <details className="rg-diff-raw">
        <summary className="rg-small">overrides as JSON</summary>
        <pre>{JSON.stringify(state.overrides, null, 2)}</pre>
      </details>
    </Section>
  );
}

/** The nodes a variant adds or removes, each with its title and type. */
function NodeGroup({ title, kind, mark, nodes }: { title: string; kind: 'added' | 'removed'; mark: string; nodes: NodeRow[] }) {
  if (nodes.length === 0) return null;
  return (
    <div className="rg-diff-group">
      <h4>{title}</h4>
      <ul>
        {nodes.map((node) => (
          <li key={node.id} className={`rg-diff-node rg-diff-node--${kind}`} data-testid={`diff-${kind}-${node.id}`}>
            <span className="rg-diff-mark">{mark}</span> <strong>{node.title ?? node.id}</strong> <code className="rg-small">{node.type}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}

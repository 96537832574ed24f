/**
 * Cost and budgets in the editor, the parts without a DOM (issue 19 item 4):
 * how an estimate reads (per paid node, incomplete, all cached, no paid
 * node), the run budget as typed, the spend against it, the budget that
 * stopped a run read back from the error the runtime records, and the
 * graph's daily budget as one undoable settings edit. The views are rendered
 * with react-dom/server from plain props. tests/e2e/editor-cost.test.ts
 * drives the same through Chromium against a fake ElevenLabs.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { beforeEach, describe, expect, it } from 'vitest';
import { BudgetExceededError, budgetCounters, serializeError, UpstreamError, type GraphDocument, type RunEstimate } from '../runtime/contract/index.js';
import type { RunDetail } from '../runtime/contract/records.js';
import { budgetFailureOf, describeEstimate, describeSpend, formatUsage, hasPaidNodes, overBudget, parseBudget, parseBudgetError } from '../editor/src/runs/cost.js';
import { describeNode } from '../runtime/contract/index.js';
import { builtinNodes } from '../nodes/index.js';
import { EstimateView, type EstimateViewProps } from '../editor/src/runs/Estimate.js';
import { BudgetStop, RunSpend } from '../editor/src/runs/Spend.js';
import { missingRequired, toInputs } from '../editor/src/runs/run-inputs.js';
import { useRunStore } from '../editor/src/runs/run-store.js';
import { stateFromDetail } from '../editor/src/runs/run-state.js';
import { DailyBudgetField } from '../editor/src/graphs/GraphSettingsSection.js';
import { dailyBudgetHint, parseDailyBudget, withSetting } from '../editor/src/graphs/settings.js';
import { settingsWithProfile } from '../editor/src/graphs/ProfilePicker.js';
import { toRegistry, useGraphStore } from '../editor/src/state/graph-store.js';

const titles: Record<string, string> = { eleven: 'ElevenLabs voices', scenes: 'Runway scenes' };
const titleOf = (id: string): string => titles[id] ?? id;

const voiceLine = (extra: Partial<RunEstimate['nodes'][number]> = {}): RunEstimate['nodes'][number] => ({
  id: 'eleven',
  type: 'voice.tts',
  provider: 'elevenlabs',
  usage: [{ provider: 'elevenlabs', unit: 'characters', model: 'eleven_multilingual_v2', quantity: 1234 }],
  costUsd: 0.1234,
  cachedItems: 1,
  items: 3,
  ...extra,
});
const sceneLine = (extra: Partial<RunEstimate['nodes'][number]> = {}): RunEstimate['nodes'][number] => ({
  id: 'scenes',
  type: 'scene.runway',
  provider: 'runway',
  usage: [{ provider: 'runway', unit: 'seconds', model: 'gen4.5', quantity: 20 }],
  costUsd: 2.4,
  cachedItems: 0,
  items: 4,
  ...extra,
});
const estimate = (nodes: RunEstimate['nodes'], extra: Partial<RunEstimate> = {}): RunEstimate => ({
  costUsd: nodes.reduce((sum, n) => sum + n.costUsd, 0),
  nodes,
  complete: nodes.every((n) => !n.unestimated),
  estimatedPrices: false,
  ...extra,
});

describe('the estimate as the Run panel reads it', () => {
  it('names each paid node with its provider, usage, cost and cached items, and totals them', () => {
    const view = describeEstimate(estimate([voiceLine(), sceneLine()]), titleOf);
    expect(view.kind).toBe('priced');
    expect(view.total).toBe('$2.52');
    expect(view.headline).toBe('1 of 7 paid items cached (free)');
    expect(view.lines.map((l) => [l.title, l.provider, l.usage, l.cost, l.cached])).toEqual([
      ['ElevenLabs voices', 'elevenlabs', '1,234 characters (eleven_multilingual_v2)', '$0.12', '1 of 3 items cached (free)'],
      ['Runway scenes', 'runway', '20 s (gen4.5)', '$2.40', '0 of 4 items cached (free)'],
    ]);
  });

  it('says an incomplete estimate is a lower bound, and which node waits for which', () => {
    const view = describeEstimate(
      estimate([voiceLine(), sceneLine({ usage: [], costUsd: 0, items: 0, provider: null, unestimated: { items: 1, reason: 'its inputs come from paid node "eleven", which an estimate does not execute' } })]),
      titleOf,
    );
    expect(view.kind).toBe('incomplete');
    expect(view.total).toBe('at least $0.12');
    expect(view.headline).toBe('a lower bound: “Runway scenes” priced once “ElevenLabs voices” has run');
    expect(view.lines[1]?.unestimated).toBe('not priced yet: priced once “ElevenLabs voices” has run (its inputs come from it)');
    // Nothing of the node priced: not shown as free.
    expect([view.lines[1]?.usage, view.lines[1]?.cost]).toEqual(['not known before the run', '?']);
    // Some items of a node priced, others waiting: counted.
    const partly = describeEstimate(estimate([sceneLine({ unestimated: { items: 3, reason: 'its inputs come from paid node "eleven", which an estimate does not execute' } })]), titleOf);
    expect(partly.lines[0]?.unestimated).toBe('3 items not priced yet: priced once “ElevenLabs voices” has run (its inputs come from it)');
  });

  it('$0.00 reads as "all cached" or "no paid nodes", not as a price', () => {
    const cached = describeEstimate(estimate([voiceLine({ costUsd: 0, cachedItems: 3, usage: [] }), sceneLine({ costUsd: 0, cachedItems: 4, usage: [] })]), titleOf);
    expect([cached.kind, cached.total, cached.headline]).toEqual(['all-cached', '$0.00', 'all 7 paid items cached: nothing to pay']);
    expect(cached.lines[0]?.usage).toBe('nothing billed');
    expect(cached.lines[0]?.cached).toBe('all 3 items cached (free)');
    const none = describeEstimate(estimate([]), titleOf);
    expect([none.kind, none.total, none.headline]).toEqual(['no-paid', '$0.00', 'no paid nodes: this run calls no paid provider']);
  });

  it('passes on an upstream failure and estimated prices as notes', () => {
    const view = describeEstimate(estimate([voiceLine()], { error: 'the script does not parse', estimatedPrices: true }), titleOf);
    expect(view.notes[0]).toBe('The graph stopped early (the script does not parse): the figures cover what could be reached.');
    expect(view.notes[1]).toMatch(/^Some prices are themselves estimates/);
  });

  it('formats usage per unit, fractions of a cent with more digits', () => {
    expect(formatUsage([{ provider: 'elevenlabs', unit: 'characters', quantity: 1 }])).toBe('1 character');
    expect(formatUsage([{ provider: 'runway', unit: 'seconds', quantity: 7.25 }])).toBe('7.3 s');
    expect(describeEstimate(estimate([voiceLine({ costUsd: 0.004 })]), titleOf).total).toBe('$0.0040');
  });
});

describe('which node types bill a provider (the estimate button says so)', () => {
  // The registry as the editor has it: the server's node descriptions.
  const registry = toRegistry(builtinNodes.map((node) => describeNode(node)));

  it('marks the node types that price their usage as paid, and only those', () => {
    const paid = builtinNodes.filter((node) => describeNode(node).paid).map((node) => node.type);
    expect(paid).toEqual(builtinNodes.filter((node) => typeof node.estimateUsage === 'function').map((node) => node.type));
    expect(paid).toEqual(expect.arrayContaining(['voice.tts', 'scene.runway']));
    expect(paid).not.toContain('script.markdown');
  });

  it('a graph with a paid node is; an offline one is not', () => {
    const offline = { nodes: [{ id: 'parse', type: 'script.markdown', typeVersion: 1 }] } as GraphDocument;
    const voiced = { nodes: [...offline.nodes, { id: 'voice', type: 'voice.tts', typeVersion: 1 }] } as GraphDocument;
    expect(hasPaidNodes(offline, registry)).toBe(false);
    expect(hasPaidNodes(voiced, registry)).toBe(true);
    expect(hasPaidNodes(voiced, undefined)).toBe(false);
  });
});

describe('the estimate view', () => {
  const props = (extra: Partial<EstimateViewProps> = {}): EstimateViewProps => ({
    estimate: estimate([voiceLine(), sceneLine()]),
    busy: false,
    error: undefined,
    inputProblems: [],
    budgetUsd: undefined,
    scenePreview: false,
    titleOf,
    onRefresh: () => undefined,
    ...extra,
  });
  const render = (extra: Partial<EstimateViewProps> = {}): string => renderToStaticMarkup(createElement(EstimateView, props(extra)));

  it('shows a row per paid node and the total, with the figures as attributes', () => {
    const html = render();
    expect(html).toContain('data-state="priced"');
    expect(html).toMatch(/data-testid="estimate-total" data-cost-usd="2.5234" data-complete="true">\$2.52</);
    expect(html).toMatch(/data-testid="estimate-node-eleven" data-cost-usd="0.1234" data-items="3" data-cached-items="1"/);
    expect(html).toContain('data-testid="estimate-cost-scenes">$2.40</td>');
    expect(html).not.toContain('estimate-over-budget');
  });

  it('warns when the estimate is over the run budget', () => {
    expect(render({ budgetUsd: 1 })).toContain('The estimate ($2.52) is over this run&#x27;s budget of $1.00: the run stops before the request that would cross it.');
    expect(overBudget(estimate([voiceLine()]), 1)).toBeUndefined();
    expect(overBudget(estimate([voiceLine()]), undefined)).toBeUndefined();
  });

  it('shows a failed estimate in place, with its problems, and inputs that do not parse', () => {
    const failed = render({ estimate: undefined, error: { message: 'graph is invalid (1 problem)', problems: [{ in: 'document', path: '/nodes/0', message: 'unknown node type "x"' }] } });
    expect(failed).toContain('data-state="error"');
    expect(failed).toContain('Could not estimate: graph is invalid (1 problem)');
    expect(failed).toContain('unknown node type');
    const inputs = render({ inputProblems: toInputs({ n: { type: 'Number' } }, { n: 'ten' }).problems });
    expect(inputs).toContain('data-state="invalid-inputs"');
    expect(inputs).toContain('&quot;ten&quot; is not a number');
  });
});

describe('the run budget', () => {
  it('reads dollars as typed; empty is none; anything else is a problem on /budgetUsd', () => {
    expect(parseBudget('')).toEqual({});
    expect(parseBudget(' 2.5 ')).toEqual({ budgetUsd: 2.5 });
    expect(parseBudget('$0')).toEqual({ budgetUsd: 0 });
    expect(parseBudget('-1').problem).toMatchObject({ in: 'body', path: '/budgetUsd' });
    expect(parseBudget('lots').problem?.message).toBe('"lots" is not an amount in US dollars (e.g. 5 or 0.50)');
  });

  it('shows what a run spent against its budget, and nothing for a run with neither', () => {
    expect(describeSpend({ costUsd: 0, budgetUsd: undefined })).toBeUndefined();
    expect(describeSpend({ costUsd: 0.42, budgetUsd: undefined })).toMatchObject({ text: '$0.42 spent', fraction: undefined });
    const spend = describeSpend({ costUsd: 0.008, budgetUsd: 0.01 });
    expect(spend).toMatchObject({ text: '$0.0080 spent of a $0.01 budget' });
    expect(spend?.fraction).toBeCloseTo(0.8, 12);
    expect(describeSpend({ costUsd: 0, budgetUsd: 0 })?.fraction).toBe(1);
    const html = renderToStaticMarkup(createElement(RunSpend, { spend }));
    expect(html).toContain('aria-valuenow="80"');
    expect(html).toContain('data-budget-usd="0.01"');
  });
});

describe('a run stopped by a budget', () => {
  const T = 1_700_000_000_000;
  /** The error exactly as the runtime records it: the real class, serialized. */
  const recorded = (budget: 'run' | 'graph' | 'provider', item = 2) => {
    const [counter] = budgetCounters({ runId: 'r1', graphId: 'signal', limits: budget === 'run' ? { runUsd: 0.01 } : budget === 'graph' ? { graphUsdPerDay: 0.01 } : { providerUsdPerDay: { elevenlabs: 0.01 } } }, 'elevenlabs', T);
    if (!counter) throw new Error('no counter');
    return serializeError(new BudgetExceededError(counter.name, counter.kind, counter.limitUsd, 0.008, 0.004, 'this request (40 characters of elevenlabs eleven_multilingual_v2)', { nodeId: 'eleven', item }));
  };

  it('reads the budget, its limit, the spend and the request back from the recorded error', () => {
    expect(parseBudgetError(recorded('run'))).toEqual({
      budget: 'run budget',
      limit: '$0.01',
      spent: '$0.0080',
      request: 'this request (40 characters of elevenlabs eleven_multilingual_v2)',
      requestCost: '$0.0040',
      nodeId: 'eleven',
      item: 2,
      raise: "Raise the run's budget below, or clear it, and run again: cached results are not paid twice.",
    });
    expect(parseBudgetError(recorded('graph'))?.budget).toBe('daily budget of graph "signal"');
    expect(parseBudgetError(recorded('graph'))?.raise).toMatch(/Graph panel \(Settings\)/);
    expect(parseBudgetError(recorded('provider'))?.raise).toMatch(/REELGRAPH_BUDGET_PROVIDERS/);
    expect(parseBudgetError({ name: 'PermanentError', code: 'PERMANENT', message: 'voice not found' })).toBeUndefined();
  });

  it('reads the figures from the error’s details, whatever its message says; a record made before details still reads from the message', () => {
    const { message: _message, ...rest } = recorded('provider');
    const reworded = { ...rest, message: 'node "eleven" item 2 failed: see the budget' };
    expect(parseBudgetError(reworded)).toMatchObject({ budget: 'daily budget of provider "elevenlabs"', limit: '$0.01', spent: '$0.0080', requestCost: '$0.0040', nodeId: 'eleven', item: 2 });
    const { details: _details, ...old } = recorded('run');
    expect(parseBudgetError(old)).toMatchObject({ budget: 'run budget', limit: '$0.01', spent: '$0.0080' });
  });

  it("finds it in a failed item, also inside a fallback's message, and shows it", () => {
    const budgetError = recorded('run');
    const fallback = serializeError(new UpstreamError(`all 2 alternatives failed: 1) ${budgetError.message}; 2) offline voice failed`, { location: { nodeId: 'voice' } }));
    const detail: RunDetail = {
      id: 'r1',
      graphName: 'g',
      status: 'failed',
      priority: 'normal',
      inputs: {},
      createdAt: T,
      logCount: 0,
      trigger: 'editor',
      graph: { format: 'reelgraph/graph', schemaVersion: 1, name: 'g', nodes: [], edges: [] },
      nodes: [{ runId: 'r1', nodeId: 'eleven', nodeType: 'voice.tts', status: 'failed', attempts: 1, cached: false }],
      items: [{ runId: 'r1', nodeId: 'eleven', index: 2, key: 'k', status: 'failed', attempts: 1, cached: false, error: budgetError }],
      usage: [],
      costUsd: 0.008,
      budgetUsd: 0.01,
    };
    const failure = budgetFailureOf(stateFromDetail(detail));
    expect(failure).toMatchObject({ budget: 'run budget', limit: '$0.01', nodeId: 'eleven', item: 2 });
    expect(budgetFailureOf(stateFromDetail({ ...detail, items: [], error: fallback }))?.spent).toBe('$0.0080');
    expect(budgetFailureOf(stateFromDetail({ ...detail, items: [] }))).toBeUndefined();

    const html = renderToStaticMarkup(createElement(BudgetStop, { failure, titleOf }));
    expect(html).toContain('Stopped by the run budget');
    expect(html).toContain('data-testid="run-budget-limit">$0.01<');
    expect(html).toContain('data-testid="run-budget-spent">$0.0080<');
    expect(html).toMatch(/\$0\.0040 for 40 characters of elevenlabs eleven_multilingual_v2 at .*ElevenLabs voices.* \(item 2\)/);
  });
});

describe("the graph's daily budget", () => {
  const store = () => useGraphStore.getState();
  const doc = (settings?: GraphDocument['settings']): GraphDocument => ({ format: 'reelgraph/graph', schemaVersion: 1, name: 'signal', nodes: [], edges: [], ...(settings ? { settings } : {}) });
  beforeEach(() => store().setDocument(doc({ profile: 'preview-720p' }), { id: 'signal', version: 1 }));

  it('reads dollars as typed; empty removes it', () => {
    expect(parseDailyBudget('')).toEqual({ value: undefined });
    expect(parseDailyBudget('$20')).toEqual({ value: 20 });
    expect(parseDailyBudget('-3').problem).toBe('"-3" is not an amount in US dollars (e.g. 20 or 2.50)');
    expect(dailyBudgetHint(20, 'signal')).toBe('At most $20.00 per UTC day over all runs of "signal", at list price: a paid request that would cross it is not sent.');
    expect(dailyBudgetHint(20, undefined)).toMatch(/once it is saved/);
  });

  it('is set beside the other settings as one undoable edit, and removed without leaving an empty settings object', () => {
    store().updateGraph({ settings: withSetting(store().doc.settings, 'budgetUsdPerDay', 2.5) });
    expect(store().doc.settings).toEqual({ profile: 'preview-720p', budgetUsdPerDay: 2.5 });
    expect(store().meta.dirty).toBe(true);
    store().undo();
    expect(store().doc.settings).toEqual({ profile: 'preview-720p' });
    expect(store().meta.dirty).toBe(false);
    store().redo();
    store().updateGraph({ settings: withSetting(store().doc.settings, 'budgetUsdPerDay', undefined) });
    store().updateGraph({ settings: settingsWithProfile(store().doc.settings, undefined) });
    expect('settings' in store().doc).toBe(false);
  });

  it('shows the stored value and what it does', () => {
    const html = renderToStaticMarkup(createElement(DailyBudgetField, { value: 2.5, storedId: 'signal', onChange: () => undefined }));
    expect(html).toContain('data-testid="graph-budget-per-day"');
    expect(html).toContain('value="2.5"');
    expect(html).toContain('At most $2.50 per UTC day over all runs of &quot;signal&quot;');
  });
});

describe('what the estimate waits for', () => {
  it('a required input left empty without a default (the server would answer 400); one with a default, optional or typed is not', () => {
    const declared = {
      episode: { type: 'Markdown' as const, required: true, title: 'Episode' },
      lang: { type: 'Text' as const, required: true, default: 'en' },
      note: { type: 'Text' as const, required: false },
      // Inputs are required unless they say otherwise (as the engine reads them).
      style: { type: 'Text' as const },
    };
    expect(missingRequired(declared, {})).toEqual([
      { in: 'inputs', path: '/episode', message: '"Episode" is required' },
      { in: 'inputs', path: '/style', message: '"style" is required' },
    ]);
    expect(missingRequired(declared, { episode: '# Title', style: 'noir' })).toEqual([]);
  });
});

describe('the spend of a running run', () => {
  it('takes a fresher reading of usage and cost, never an older (lower) one, and only for the run shown', () => {
    const store = () => useRunStore.getState();
    const base: RunDetail = {
      id: 'live',
      graphName: 'g',
      status: 'running',
      priority: 'normal',
      inputs: {},
      createdAt: 1,
      logCount: 0,
      trigger: 'editor',
      graph: { format: 'reelgraph/graph', schemaVersion: 1, name: 'g', nodes: [], edges: [] },
      nodes: [],
      items: [],
      usage: [],
      costUsd: 0,
      budgetUsd: 0.05,
    };
    store().select('live');
    store().receiveSnapshot(base);
    const usage = [{ provider: 'elevenlabs', unit: 'characters', model: 'eleven_multilingual_v2', quantity: 200 }];
    store().receiveSpend({ id: 'live', usage, costUsd: 0.02 });
    expect(store().run?.detail).toMatchObject({ costUsd: 0.02, usage, budgetUsd: 0.05, status: 'running' });
    expect(describeSpend(store().run?.detail)?.text).toBe('$0.02 spent of a $0.05 budget');
    store().receiveSpend({ id: 'live', usage: [], costUsd: 0.01 });
    expect(store().run?.detail?.costUsd).toBe(0.02);
    store().receiveSpend({ id: 'other', usage: [], costUsd: 1 });
    expect(store().run?.detail?.costUsd).toBe(0.02);
    store().select(undefined);
  });
});

/**
 * The editor's graph profile picker (editor/src/graphs/ProfilePicker.tsx):
 * its choices come from the node types' `profile` enums, it shows the graph's
 * profile ("from nodes" when unset), and setting it is one undoable edit of
 * `settings.profile` through the graph store. The select is rendered with
 * react-dom/server from what the store holds (no DOM here; zustand renders its
 * initial state on a server, so the connected ProfilePicker is not used).
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { beforeEach, describe, expect, it } from 'vitest';
import { describeNode, type GraphDocument } from '../runtime/contract/index.js';
import { createBuiltinRegistry } from '../nodes/index.js';
import { profileChoice, ProfileSelect, settingsWithProfile } from '../editor/src/graphs/ProfilePicker.js';
import { useGraphStore } from '../editor/src/state/graph-store.js';

const store = () => useGraphStore.getState();

/** The node types as the server describes them to the editor. */
const nodeTypes = createBuiltinRegistry().list().map(describeNode);

const doc = (settings?: GraphDocument['settings']): GraphDocument => ({
  format: 'reelgraph/graph',
  schemaVersion: 1,
  name: 'picture',
  nodes: [
    { id: 'scenes', type: 'scene.procedural', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
    { id: 'timeline', type: 'assembly.timeline', typeVersion: 1, position: { x: 300, y: 0 }, params: { profile: 'youtube-1080p' } },
    { id: 'mix', type: 'audio.mix', typeVersion: 1, position: { x: 600, y: 0 }, params: {} },
  ],
  edges: [],
  ...(settings ? { settings } : {}),
});

/** The select as ProfilePicker renders it for the store's document. */
const render = (): string => {
  const { doc, nodeTypes: types, registry } = store();
  return renderToStaticMarkup(createElement(ProfileSelect, { ...profileChoice(doc, types, registry), onChange: () => undefined }));
};
const options = (html: string): string[] => [...html.matchAll(/<option value="([^"]*)"/g)].map((match) => match[1] as string);
const selected = (html: string): string | undefined => /<option value="([^"]*)" selected=""/.exec(html)?.[1];

beforeEach(() => {
  store().setNodeTypes(nodeTypes);
  store().setDocument(doc(), { id: 'picture', version: 1 });
});

describe('ProfilePicker', () => {
  it('offers "from nodes" and the profiles the node types accept, and shows the graph’s', () => {
    const unset = render();
    expect(unset).toContain('data-testid="graph-profile"');
    expect(options(unset)).toEqual(['', 'youtube-1080p', 'shorts-1080x1920', 'preview-720p', 'preview-720x1280']);
    expect(unset).toContain('>from nodes</option>');
    expect(selected(unset)).toBe('');
    store().setDocument(doc({ profile: 'shorts-1080x1920' }), { id: 'picture', version: 1 });
    expect(selected(render())).toBe('shorts-1080x1920');
  });

  it('says which nodes the profile reaches: not one with its own, nor one that follows the timeline', () => {
    expect(render()).toContain('Applies to scenes: the nodes that take a profile and set none of their own.');
  });

  it('keeps an unknown profile visible, so it can be seen and changed', () => {
    store().setDocument(doc({ profile: '8k' }), { id: 'picture', version: 1 });
    const html = render();
    expect(selected(html)).toBe('8k');
    expect(html).toContain('8k (unknown)');
  });

  it('sets settings.profile as one undoable edit, and "from nodes" removes it', () => {
    store().updateGraph({ settings: settingsWithProfile(store().doc.settings, 'preview-720p') });
    expect(store().doc.settings).toEqual({ profile: 'preview-720p' });
    expect(store().meta.dirty).toBe(true);
    expect(selected(render())).toBe('preview-720p');
    store().undo();
    expect('settings' in store().doc).toBe(false);
    expect(store().meta.dirty).toBe(false);
    store().redo();
    store().updateGraph({ settings: settingsWithProfile(store().doc.settings, undefined) });
    expect('settings' in store().doc).toBe(false);
    expect(selected(render())).toBe('');
  });
});

/**
 * Keyboard shortcuts of the editor. They are ignored while typing in a
 * field (a form's own undo, copy and delete keep working there) and while a
 * dialog is open.
 */
import { useEffect } from 'react';
import { fitCanvas, layoutCanvas, runPartial } from '../canvas/commands.js';
import { partialCommands, partialRunKey } from '../runs/partial.js';
import { useGraphStore } from '../state/graph-store.js';
import { notify } from '../state/toast-store.js';
import { useUiStore } from '../state/ui-store.js';
import { confirmOpen } from './ConfirmDialog.js';
import { useTemplatesUi } from './Templates.js';

export interface Shortcut {
  keys: string;
  action: string;
}

/** What the help overlay (?) lists. */
export const shortcuts: Shortcut[] = [
  { keys: 'Ctrl+Z', action: 'Undo' },
  { keys: 'Ctrl+Shift+Z · Ctrl+Y', action: 'Redo' },
  { keys: 'Delete · Backspace', action: 'Delete the selected nodes and edges' },
  { keys: 'Ctrl+C', action: 'Copy the selected nodes' },
  { keys: 'Ctrl+X', action: 'Cut the selected nodes' },
  { keys: 'Ctrl+V', action: 'Paste (edges between the pasted nodes only)' },
  { keys: 'Ctrl+Shift+V', action: 'Paste with links to nodes outside the selection' },
  { keys: 'Ctrl+D', action: 'Duplicate the selected nodes' },
  { keys: 'Ctrl+A', action: 'Select all nodes' },
  { keys: 'Shift+click · Ctrl+click', action: 'Add to / remove from the selection' },
  { keys: 'Shift+drag', action: 'Box select' },
  { keys: 'Esc', action: 'Clear the selection, close a dialog' },
  { keys: 'Ctrl+S', action: 'Save' },
  { keys: 'Ctrl+Enter', action: 'Run' },
  ...partialCommands.map((command) => ({ keys: command.keys, action: command.help })),
  { keys: 'Right-click a node', action: 'Run to here, or run this node only' },
  { keys: 'Ctrl+O', action: 'Import a graph (file or pasted JSON)' },
  { keys: 'F', action: 'Fit the view' },
  { keys: 'Shift+L', action: 'Auto-layout' },
  { keys: 'Double-click / Enter on a palette item', action: 'Add it at the centre' },
  { keys: 'Double-click a node', action: 'Open its parameters' },
  { keys: '?', action: 'This help' },
];

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (target as HTMLInputElement).type;
    return !['checkbox', 'radio', 'button', 'submit', 'range', 'color', 'file'].includes(type);
  }
  return false;
}

/** Some text is selected on the page (logs, a panel): Ctrl+C copies that, not nodes. */
function textSelected(): boolean {
  const selection = window.getSelection();
  return Boolean(selection && !selection.isCollapsed && selection.toString().trim());
}

export function useShortcuts(commands: { save(): void; run(): void }): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const ui = useUiStore.getState();
      // A question, the templates dialog or a storyboard is up: its own keys only (it closes itself on Escape).
      if (confirmOpen() || useTemplatesUi.getState().dialogOpen || ui.storyboard) return;
      if (event.key === 'Escape') {
        if (ui.helpOpen) ui.setHelpOpen(false);
        else if (ui.importing) ui.closeImport();
        else if (!typing(event.target)) useGraphStore.getState().select([]);
        return;
      }
      if (ui.importing || event.defaultPrevented) return;
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      // Saving and running work from anywhere, fields included.
      if (mod && key === 's') {
        event.preventDefault();
        commands.save();
        return;
      }
      if (mod && event.key === 'Enter') {
        event.preventDefault();
        commands.run();
        return;
      }
      if (typing(event.target)) return;
      const store = useGraphStore.getState();
      if (ui.helpOpen && event.key !== '?') return;

      // Shift+R / Alt+Shift+R: a partial run of the selected node (before the Alt guard below).
      const partial = partialRunKey(event);
      if (partial) {
        event.preventDefault();
        runPartial(partial);
        return;
      }

      if (mod && !event.altKey) {
        if (key === 'z' && !event.shiftKey) store.undo();
        else if ((key === 'z' && event.shiftKey) || key === 'y') store.redo();
        else if (key === 'c') {
          if (textSelected()) return;
          const count = store.copy(false);
          if (count > 0) notify('info', `Copied ${count} node${count === 1 ? '' : 's'}`);
          else return;
        } else if (key === 'x') {
          if (textSelected()) return;
          const count = store.copy(false);
          if (count === 0) return;
          store.removeSelected();
          notify('info', `Cut ${count} node${count === 1 ? '' : 's'}`);
        } else if (key === 'v') {
          if (!store.clipboard) return;
          const ids = store.paste({ withLinks: event.shiftKey });
          notify('info', `Pasted ${ids.length} node${ids.length === 1 ? '' : 's'}${event.shiftKey ? ' with links' : ''}`);
        } else if (key === 'd') {
          const saved = store.clipboard;
          if (store.copy(true) === 0) return;
          store.paste({ withLinks: true });
          useGraphStore.setState({ clipboard: saved, pasteCount: 0 });
        } else if (key === 'a') store.selectAll();
        else if (key === 'o') ui.openImport();
        else return;
        event.preventDefault();
        return;
      }
      if (event.altKey || mod) return;
      if (event.key === 'Delete' || event.key === 'Backspace') {
        if (store.selection.length === 0) return;
        store.removeSelected();
      } else if (event.key === '?') ui.setHelpOpen(!ui.helpOpen);
      else if (key === 'f' && !event.shiftKey) fitCanvas();
      else if (key === 'l' && event.shiftKey) layoutCanvas();
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [commands]);
}

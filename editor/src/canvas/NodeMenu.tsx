/**
 * The node context menu (right-click on a card): the partial runs of that
 * node — "Run to here" and "Run this node only", each with its shortcut — and
 * its parameters. It closes on a choice, Escape, a press outside it, or when
 * the canvas moves.
 */
import { useEffect, useRef } from 'react';
import { partialCommands } from '../runs/partial.js';
import { useGraphStore } from '../state/graph-store.js';
import { runPartial } from './commands.js';

export interface NodeMenuAt {
  nodeId: string;
  /** Where the right-click was, in viewport pixels. */
  x: number;
  y: number;
}

export function NodeMenu({ at, onClose }: { at: NodeMenuAt; onClose(): void }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onDown = (event: MouseEvent) => {
      if (!box.current?.contains(event.target as Node)) onClose();
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') onClose();
    };
    // Capture: React Flow stops the pane's mousedown from reaching the window.
    window.addEventListener('mousedown', onDown, true);
    window.addEventListener('keydown', onKey);
    window.addEventListener('blur', onClose);
    return () => {
      window.removeEventListener('mousedown', onDown, true);
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('blur', onClose);
    };
  }, [onClose]);
  useEffect(() => box.current?.querySelector<HTMLButtonElement>('button')?.focus(), []);

  const choose = (action: () => void) => () => {
    onClose();
    action();
  };
  return (
    <div
      ref={box}
      className="rg-node-menu"
      role="menu"
      aria-label={`Node ${at.nodeId}`}
      style={{ left: at.x, top: at.y }}
      data-testid="node-menu"
      data-node={at.nodeId}
      onContextMenu={(event) => event.preventDefault()}
    >
      {partialCommands.map((command) => (
        <button key={command.mode} type="button" role="menuitem" className="rg-node-menu__item" title={command.help} onClick={choose(() => runPartial(command.mode, at.nodeId))} data-testid={`node-menu-${command.mode}`}>
          <span>{command.label}</span>
          <kbd>{command.keys}</kbd>
        </button>
      ))}
      <div className="rg-node-menu__separator" role="separator" />
      <button
        type="button"
        role="menuitem"
        className="rg-node-menu__item"
        onClick={choose(() => {
          useGraphStore.getState().select([at.nodeId]);
          useGraphStore.getState().setRightTab('node');
        })}
        data-testid="node-menu-params"
      >
        <span>Parameters</span>
        <kbd>double-click</kbd>
      </button>
    </div>
  );
}

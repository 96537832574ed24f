/** The keyboard shortcut overlay (?). */
import { useUiStore } from '../state/ui-store.js';
import { shortcuts } from './shortcuts.js';

export function ShortcutHelp() {
  const open = useUiStore((state) => state.helpOpen);
  const setOpen = useUiStore((state) => state.setHelpOpen);
  if (!open) return null;
  return (
    <div className="rg-modal" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts" onMouseDown={(event) => event.target === event.currentTarget && setOpen(false)}>
      <div className="rg-modal__box rg-help" data-testid="shortcut-help">
        <header className="rg-modal__head">
          <h2>Keyboard shortcuts</h2>
          <button type="button" className="rg-icon-button" onClick={() => setOpen(false)} aria-label="Close">
            ×
          </button>
        </header>
        <dl className="rg-help__list">
          {shortcuts.map((shortcut) => (
            <div key={shortcut.keys} className="rg-help__row">
              <dt>
                {shortcut.keys.split(' · ').map((keys, index) => (
                  <span key={keys}>
                    {index > 0 ? <span className="rg-muted"> or </span> : null}
                    <kbd>{keys}</kbd>
                  </span>
                ))}
              </dt>
              <dd>{shortcut.action}</dd>
            </div>
          ))}
        </dl>
        <p className="rg-muted rg-small">On macOS, Cmd works wherever Ctrl is shown.</p>
      </div>
    </div>
  );
}

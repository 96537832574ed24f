/** A collapsible section of the Graph panel. */
import type { ReactNode } from 'react';

export function Section({ title, children, open = true, testId, extra, onOpen }: { title: string; children: ReactNode; open?: boolean; testId?: string; extra?: ReactNode; onOpen?: () => void }) {
  return (
    <details className="rg-section rg-graph-section" open={open} data-testid={testId} onToggle={(event) => (event.currentTarget.open ? onOpen?.() : undefined)}>
      <summary>
        {title}
        {extra ? <span className="rg-graph-summary-extra">{extra}</span> : null}
      </summary>
      <div className="rg-graph-section-body">{children}</div>
    </details>
  );
}

/** Export (download) of the open graph as JSON. */
import type { GraphDocument } from '../../../runtime/contract/index.js';

export function fileNameFor(doc: GraphDocument): string {
  const stem = (doc.id ?? doc.name).trim().toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'graph';
  return `${stem}.json`;
}

export function downloadDocument(doc: GraphDocument): string {
  const name = fileNameFor(doc);
  const blob = new Blob([`${JSON.stringify(doc, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  return name;
}

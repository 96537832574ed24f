/** How the CLI prints tables, times, durations and error locations. */
import Table from 'cli-table3';

/** Plain tables when the output is not a terminal: no colour codes in logs and pipes. */
export function table(options: { head: string[] }): Table.Table {
  const plain = !process.stdout.isTTY;
  return new Table({ ...options, ...(plain ? { style: { head: [], border: [] } } : {}) });
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function describeLocation(location: { nodeId?: string; item?: number; port?: string } | undefined): string {
  if (!location?.nodeId) return '';
  return `node "${location.nodeId}"${location.item !== undefined ? ` item ${location.item}` : ''}${location.port ? ` port "${location.port}"` : ''}: `;
}

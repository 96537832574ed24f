/** Accent colours of node categories: node headers, palette groups, minimap. */
import type { NodeCategory } from '../../runtime/contract/index.js';

export const categoryColors: Record<NodeCategory, string> = {
  input: '#64748b',
  script: '#22c55e',
  voice: '#f59e0b',
  scene: '#2dd4bf',
  overlay: '#e879f9',
  audio: '#eab308',
  assembly: '#f97316',
  export: '#ef4444',
  control: '#818cf8',
  utility: '#94a3b8',
  test: '#6b7280',
};

export const graphIoColor = '#38bdf8';
export const unknownColor = '#6b7280';

export function categoryColor(category: string | undefined): string {
  return (category && (categoryColors as Record<string, string>)[category]) || unknownColor;
}

/** Shell UI state that is not part of the document: dialogs. */
import { create } from 'zustand';

export interface ImportRequest {
  text: string;
  fileName?: string;
}

interface UiState {
  /** The import dialog, open with this text (empty: waiting for a paste or file). */
  importing: ImportRequest | null;
  helpOpen: boolean;
  /** The storyboard of the followed run's review gate `nodeId` (undefined: the first that waits), open over the canvas. */
  storyboard: { nodeId?: string } | null;
  openImport(request?: ImportRequest): void;
  closeImport(): void;
  setHelpOpen(open: boolean): void;
  openStoryboard(nodeId?: string): void;
  closeStoryboard(): void;
}

export const useUiStore = create<UiState>()((set) => ({
  importing: null,
  helpOpen: false,
  storyboard: null,
  openImport: (request = { text: '' }) => set({ importing: request }),
  closeImport: () => set({ importing: null }),
  setHelpOpen: (open) => set({ helpOpen: open }),
  openStoryboard: (nodeId) => set({ storyboard: nodeId !== undefined ? { nodeId } : {} }),
  closeStoryboard: () => set({ storyboard: null }),
}));

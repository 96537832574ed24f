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
  openImport(request?: ImportRequest): void;
  closeImport(): void;
  setHelpOpen(open: boolean): void;
}

export const useUiStore = create<UiState>()((set) => ({
  importing: null,
  helpOpen: false,
  openImport: (request = { text: '' }) => set({ importing: request }),
  closeImport: () => set({ importing: null }),
  setHelpOpen: (open) => set({ helpOpen: open }),
}));

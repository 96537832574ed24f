/**
 * Vite builds the editor (editor/ → dist/editor); Vitest reads the same file
 * and runs the repository's tests (the *.test.ts files under tests/) from the
 * repo root.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const repoRoot = fileURLToPath(new URL('.', import.meta.url));
const editorRoot = fileURLToPath(new URL('./editor', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/editor', import.meta.url));

/** Where `vite dev` forwards API and socket.io traffic: a running `reelgraph server`. */
const server = process.env.REELGRAPH_SERVER ?? 'http://127.0.0.1:4170';

export default defineConfig({
  root: editorRoot,
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      output: {
        // Vendor chunks: they change rarely, so browsers keep them cached across editor releases.
        codeSplitting: {
          groups: [
            { name: 'react', test: /[\\/]node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: 'xyflow', test: /[\\/]node_modules[\\/](@xyflow|d3-[a-z-]+|zustand|classcat|use-sync-external-store)[\\/]/ },
          ],
        },
      },
    },
  },
  server: {
    // The editor imports the graph contract from ../runtime/contract.
    fs: { allow: [repoRoot] },
    proxy: {
      '/api': { target: server, changeOrigin: true },
      '/socket.io': { target: server, changeOrigin: true, ws: true },
    },
  },
  preview: {
    proxy: {
      '/api': { target: server, changeOrigin: true },
      '/socket.io': { target: server, changeOrigin: true, ws: true },
    },
  },
  test: {
    root: repoRoot,
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

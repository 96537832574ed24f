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
            // Server state (TanStack Query): the start page's graph list reads through it.
            { name: 'query', test: /[\\/]node_modules[\\/]@tanstack[\\/]/ },
            // ajv: the graph contract validates with it, so the first page needs it.
            { name: 'ajv', test: /[\\/]node_modules[\\/](ajv|ajv-formats|fast-deep-equal|json-schema-traverse|fast-uri)[\\/]/ },
            // Parameter forms (rjsf), the largest dependency: loaded once a node is selected (RightPanel lazy-loads ParamPanel).
            { name: 'forms', test: /[\\/]node_modules[\\/](@rjsf|lodash|lodash-es|jsonpointer|markdown-to-jsx|compute-gcd|compute-lcm|json-schema-compare|json-schema-merge-allof|validate\.io-[a-z-]+)[\\/]/ },
            { name: 'live', test: /[\\/]node_modules[\\/](socket\.io-client|engine\.io-client|socket\.io-parser|engine\.io-parser|@socket\.io|debug|ms|xmlhttprequest-ssl)[\\/]/ },
            // Waveforms: only the Run panel's inspector draws them.
            { name: 'media', test: /[\\/]node_modules[\\/]wavesurfer\.js[\\/]/ },
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

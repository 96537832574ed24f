// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodesImportOnly = 'a node type imports the contract and shared runtime services, never the server, the editor or the CLI';
/** The canvas library reads its allocator's settings when it loads (nodes/video/canvas-allocator.ts): whoever loads it first decides. */
const canvasOnlyThroughItsModule = { regex: '^@napi-rs/canvas$', message: 'import canvases from nodes/video/canvas.ts, which loads the library after its allocator settings' };

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.reelgraph/', 'out/', 'coverage/', 'test-artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['editor/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['bench/**', 'bin/**'],
    rules: { 'no-console': 'off' },
  },
  // The architecture, enforced (README, "Architecture"): each layer imports only what it may.
  zone('nodes/**', nodesImportOnly, ['server', 'editor', 'cli'], [canvasOnlyThroughItsModule]),
  // The one module that loads the canvas library, after its allocator's settings.
  zone('nodes/video/canvas.ts', nodesImportOnly, ['server', 'editor', 'cli']),
  { files: ['tests/**', 'bench/**'], rules: { 'no-restricted-imports': ['error', { patterns: [canvasOnlyThroughItsModule] }] } },
  zone('runtime/**', 'the runtime knows no node type (they are handed in: runtime/workspace.ts) and no application on top of it', ['nodes', 'server', 'editor', 'cli']),
  zone('server/**', 'the server opens a workspace from the runtime (runtime/workspace.ts), never the CLI; the editor is served as built files', ['cli', 'editor']),
  zone('editor/**', 'the editor imports only the graph contract (runtime/contract) from outside its own code', ['server', 'cli', 'nodes'], [{ regex: String.raw`(^|/)runtime/(?!contract/)`, message: 'the editor imports only runtime/contract from the runtime (it runs in the browser)' }]),
);

/**
 * Imports files matching `files` may not make: a path through one of the
 * top-level folders `forbidden` (relative imports, at any depth), plus extra patterns.
 */
function zone(files, why, forbidden, extra = []) {
  return {
    files: [files],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex: String.raw`(^|/)(${forbidden.join('|')})/`, message: why }, ...extra] }],
    },
  };
}

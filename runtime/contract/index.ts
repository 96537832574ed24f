/**
 * The graph contract: the one module the editor, the server, the runtime and
 * every node import. Browser-safe: no Node.js built-ins below this folder.
 */
export * from './errors.js';
export * from './ports.js';
export * from './node.js';
export * from './node-params.js';
export { Type, type Static } from './typebox.js';
export * from './artifacts.js';
export * from './events.js';
export * from './graph.js';
export * from './variant.js';
export * from './graph-settings.js';
export * from './registry.js';
export * from './schema.js';
export * from './port-value.js';
export * from './validate.js';
export * from './script.js';
export * from './timeline.js';
export * from './rate-limit.js';
export * from './budget.js';
export * from './estimate.js';
export * from './deliverables.js';
export * from './templates.js';
export * from './credential-hint.js';
export * from './file-name.js';
export * from './review.js';
export * from './item-pins.js';
export * from './provenance.js';
export * from './series.js';
export * from './run-progress.js';

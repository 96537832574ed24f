import { defineNode } from '../../runtime/contract/index.js';
import { parseScript } from './engine/index.js';
import { scriptNodeParams } from './engine/node-params.js';
import { scriptOutputs, scriptResult } from './engine/node-outputs.js';

export default defineNode({
  type: 'script.markdown',
  version: 1,
  title: 'Script (markdown)',
  category: 'script',
  description: 'Parses a narrative markdown episode into a timed, speakable Script: cast, scenes with visual briefs, and segments.',
  inputs: [{ name: 'markdown', type: 'Markdown', title: 'Episode markdown' }],
  outputs: scriptOutputs,
  params: scriptNodeParams,
  resource: 'cpu',
  cacheable: true,
  async execute({ inputs, inputSources, params, log }) {
    // The file the episode came from names the place in messages (ep.md:12), unless the graph names one itself.
    const file = params.sourceName ?? inputSources?.markdown;
    const script = parseScript(String(inputs.markdown), { ...params, format: 'markdown', ...(file ? { file } : {}) });
    return scriptResult(script, log, params.scene);
  },
});

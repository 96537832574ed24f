import { defineNode } from '../../runtime/contract/index.js';
import { parseScript } from './engine/index.js';
import { scriptNodeParams } from './engine/node-params.js';
import { scriptOutputs, scriptResult } from './engine/node-outputs.js';

export default defineNode({
  type: 'script.fountain',
  version: 1,
  title: 'Script (Fountain)',
  category: 'script',
  description: 'Parses a Fountain screenplay into the same timed, speakable Script as the markdown parser.',
  inputs: [{ name: 'fountain', type: 'Text', title: 'Screenplay (Fountain)' }],
  outputs: scriptOutputs,
  params: scriptNodeParams,
  resource: 'cpu',
  cacheable: true,
  async execute({ inputs, inputSources, params, log }) {
    // The file the episode came from names the place in messages (ep.md:12), unless the graph names one itself.
    const file = params.sourceName ?? inputSources?.fountain;
    const script = parseScript(String(inputs.fountain), { ...params, format: 'fountain', ...(file ? { file } : {}) });
    return scriptResult(script, log, params.scene);
  },
});

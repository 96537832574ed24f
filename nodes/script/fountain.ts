import { defineNode } from '../../runtime/contract/index.js';
import { parseScript } from './engine/index.js';
import { scriptNodeParams, type ScriptNodeParams } from './engine/node-params.js';
import { scriptOutputs, scriptResult } from './engine/node-outputs.js';

export default defineNode<ScriptNodeParams>({
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
  async execute({ inputs, params, log }) {
    const script = parseScript(String(inputs.fountain), { ...params, format: 'fountain', ...(params.sourceName ? { file: params.sourceName } : {}) });
    return scriptResult(script, log);
  },
});

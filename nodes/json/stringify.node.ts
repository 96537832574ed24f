import { defineNode, nodeParams, Type } from '../../runtime/contract/index.js';

export default defineNode({
  type: 'json.stringify',
  version: 1,
  title: 'To JSON text',
  category: 'utility',
  description: 'Turns any value (a Script, a Timeline, …) into JSON text, e.g. to write it to a file.',
  inputs: [{ name: 'value', type: 'Any', title: 'Value' }],
  outputs: [{ name: 'text', type: 'Text', title: 'JSON' }],
  params: nodeParams({ indent: Type.Integer({ title: 'Indent', minimum: 0, maximum: 8, default: 2 }) }),
  resource: 'light',
  cacheable: true,
  async execute({ inputs, params }) {
    return { text: `${JSON.stringify(inputs.value ?? null, null, params.indent || undefined)}\n` };
  },
});

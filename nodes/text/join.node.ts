import { defineNode, nodeParams, Type } from '../../runtime/contract/index.js';

export default defineNode({
  type: 'text.join',
  version: 1,
  title: 'Join text',
  category: 'utility',
  description: 'Joins a list of texts into one, in order.',
  inputs: [{ name: 'items', type: 'Text', list: true, title: 'Items' }],
  outputs: [{ name: 'text', type: 'Text', title: 'Text' }],
  params: nodeParams({ separator: Type.String({ title: 'Separator', default: '\n' }) }),
  resource: 'light',
  cacheable: true,
  async execute({ params, inputs }) {
    return { text: (inputs.items as string[]).join(params.separator) };
  },
});

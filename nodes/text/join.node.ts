import { defineNode } from '../../runtime/contract/index.js';

interface Params {
  separator: string;
}

export default defineNode<Params>({
  type: 'text.join',
  version: 1,
  title: 'Join text',
  category: 'utility',
  description: 'Joins a list of texts into one, in order.',
  inputs: [{ name: 'items', type: 'Text', list: true, title: 'Items' }],
  outputs: [{ name: 'text', type: 'Text', title: 'Text' }],
  params: {
    type: 'object',
    additionalProperties: false,
    properties: { separator: { type: 'string', title: 'Separator', default: '\n' } },
  },
  resource: 'cpu',
  cacheable: true,
  async execute({ params, inputs }) {
    return { text: (inputs.items as string[]).join(params.separator) };
  },
});

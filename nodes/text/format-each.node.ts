import { defineNode, nodeParams, Type } from '../../runtime/contract/index.js';
import { renderTemplate } from './template.node.js';

export default defineNode({
  type: 'text.format-each',
  version: 1,
  title: 'Format each',
  category: 'utility',
  description: 'Renders a template once per item of a text list ({{item}}, {{index}}, {{number}}, {{count}}); each item is cached on its own.',
  inputs: [{ name: 'items', type: 'Text', list: true, title: 'Items' }],
  outputs: [{ name: 'items', type: 'Text', list: true, title: 'Items' }],
  params: nodeParams({ template: Type.String({ title: 'Template', default: '{{item}}' }) }),
  resource: 'light',
  cacheable: true,
  mapOver: 'items',
  async execute({ params, inputs, item }) {
    const index = item?.index ?? 0;
    return { items: renderTemplate(params.template, { item: inputs.items, index, number: index + 1, count: item?.count ?? 1 }) };
  },
});

import { defineNode, nodeParams, Type, type Static } from '../../runtime/contract/index.js';

const params = nodeParams({
  by: Type.Unsafe<'lines' | 'paragraphs' | 'separator'>({ enum: ['lines', 'paragraphs', 'separator'], title: 'Split by', default: 'lines' }),
  separator: Type.String({ title: 'Separator', default: ',', minLength: 1 }),
  trim: Type.Boolean({ title: 'Trim items', default: true }),
  dropEmpty: Type.Boolean({ title: 'Drop empty items', default: true }),
});
type Params = Static<typeof params>;

const splitters: Record<Params['by'], (text: string, params: Params) => string[]> = {
  lines: (text) => text.split(/\r?\n/),
  paragraphs: (text) => text.split(/(?:\r?\n[ \t]*){2,}/),
  separator: (text, params) => text.split(params.separator),
};

export default defineNode({
  type: 'text.split',
  version: 1,
  title: 'Split text',
  category: 'utility',
  description: 'Splits text into a list (by lines, paragraphs or a separator), so later nodes can work item by item.',
  inputs: [{ name: 'text', type: 'Text', title: 'Text' }],
  outputs: [{ name: 'items', type: 'Text', list: true, title: 'Items' }],
  params,
  resource: 'light',
  cacheable: true,
  async execute({ params, inputs }) {
    const parts = splitters[params.by](String(inputs.text), params).map((part) => (params.trim ? part.trim() : part));
    return { items: params.dropEmpty ? parts.filter((part) => part.length > 0) : parts };
  },
});

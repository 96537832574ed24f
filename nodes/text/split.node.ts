import { defineNode } from '../../runtime/contract/index.js';

interface Params {
  by: 'lines' | 'paragraphs' | 'separator';
  separator: string;
  trim: boolean;
  dropEmpty: boolean;
}

const splitters: Record<Params['by'], (text: string, params: Params) => string[]> = {
  lines: (text) => text.split(/\r?\n/),
  paragraphs: (text) => text.split(/(?:\r?\n[ \t]*){2,}/),
  separator: (text, params) => text.split(params.separator),
};

export default defineNode<Params>({
  type: 'text.split',
  version: 1,
  title: 'Split text',
  category: 'utility',
  description: 'Splits text into a list (by lines, paragraphs or a separator), so later nodes can work item by item.',
  inputs: [{ name: 'text', type: 'Text', title: 'Text' }],
  outputs: [{ name: 'items', type: 'Text', list: true, title: 'Items' }],
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      by: { enum: ['lines', 'paragraphs', 'separator'], title: 'Split by', default: 'lines' },
      separator: { type: 'string', title: 'Separator', default: ',', minLength: 1 },
      trim: { type: 'boolean', title: 'Trim items', default: true },
      dropEmpty: { type: 'boolean', title: 'Drop empty items', default: true },
    },
  },
  resource: 'cpu',
  cacheable: true,
  async execute({ params, inputs }) {
    const parts = splitters[params.by](String(inputs.text), params).map((part) => (params.trim ? part.trim() : part));
    return { items: params.dropEmpty ? parts.filter((part) => part.length > 0) : parts };
  },
});

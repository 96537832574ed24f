import Handlebars from 'handlebars';
import { defineNode, nodeParams, PermanentError, Type } from '../../runtime/contract/index.js';

const compiled = new Map<string, HandlebarsTemplateDelegate>();
const MAX_COMPILED = 256;

/** Compiled once per template text: a mapped node renders the same template for every item. */
function compile(template: string): HandlebarsTemplateDelegate {
  let render = compiled.get(template);
  if (!render) {
    render = Handlebars.compile(template, { noEscape: true, strict: false });
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(template, render);
  }
  return render;
}

/** Handlebars without HTML escaping: the output is text, not markup. */
export function renderTemplate(template: string, data: Record<string, unknown>, nodeHint = 'template'): string {
  try {
    return compile(template)(data);
  } catch (error) {
    throw new PermanentError(`${nodeHint}: ${(error as Error).message}`, { location: { param: '/template' }, cause: error });
  }
}

export default defineNode({
  type: 'text.template',
  version: 1,
  title: 'Text template',
  category: 'utility',
  description: 'Renders a Handlebars template with the text input as {{text}} and the values param (e.g. "Hello, {{name}}!").',
  inputs: [{ name: 'text', type: 'Text', optional: true, title: 'Text', description: 'Available to the template as {{text}}.' }],
  outputs: [{ name: 'text', type: 'Text', title: 'Text' }],
  params: nodeParams(
    {
      template: Type.String({ title: 'Template', default: '{{text}}', 'x-widget': 'textarea' }),
      values: Type.Unsafe<Record<string, unknown>>({ type: 'object', title: 'Values', description: 'Extra template values.', default: {} }),
    },
    { required: ['template'] },
  ),
  resource: 'light',
  cacheable: true,
  async execute({ params, inputs }) {
    return { text: renderTemplate(params.template, { ...params.values, text: inputs.text ?? '' }) };
  },
});

import { isAbsolute, relative, resolve } from 'node:path';
import { defineNode, nodeParams, PermanentError, Type } from '../../runtime/contract/index.js';
import { writeFileAtomic } from '../../runtime/util/atomic-file.js';

/** The run's output directory is the only place a graph may write to; a hostile filename cannot leave it. */
export function confinedPath(root: string, name: string): string {
  const target = resolve(root, name);
  const rel = relative(resolve(root), target);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new PermanentError(`filename "${name}" leaves the output directory`, { location: { param: '/filename' } });
  }
  return target;
}

export default defineNode({
  type: 'file.write',
  version: 1,
  title: 'Write file',
  category: 'export',
  description: "Writes text to a file in the run's output directory (atomically) and stores it as an artifact.",
  inputs: [{ name: 'content', type: 'Text', title: 'Content' }],
  outputs: [{ name: 'file', type: 'File', title: 'File' }],
  params: nodeParams(
    {
      filename: Type.String({ title: 'File name', minLength: 1, maxLength: 255, default: 'output.txt', description: 'Relative to the output directory.' }),
      mime: Type.String({ title: 'MIME type', default: 'text/plain; charset=utf-8' }),
    },
    { required: ['filename'] },
  ),
  resource: 'io',
  // A side effect on the output directory: it must happen on every run.
  cacheable: false,
  async execute({ params, inputs, outDir, artifacts, log }) {
    const target = confinedPath(outDir, params.filename);
    const content = String(inputs.content);
    await writeFileAtomic(target, content);
    log.info('wrote file', { path: target, bytes: Buffer.byteLength(content) });
    const handle = await artifacts.put({ data: content }, { mime: params.mime, name: params.filename, probe: false });
    return { file: handle };
  },
});

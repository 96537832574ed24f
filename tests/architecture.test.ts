/**
 * The layers the lint enforces (eslint.config.js, `zone`): an import across a
 * forbidden boundary is an error naming why (`npm run lint` checks the tree).
 */
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: repo });

async function restricted(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? []).filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

describe('architecture zones', () => {
  it.each([
    ['nodes/voice/probe.ts', "import { startServer } from '../../server/main.js';", /never the server, the editor or the CLI/],
    ['nodes/probe.ts', "import { main } from '../cli/main.js';", /never the server, the editor or the CLI/],
    ['runtime/engine/probe.ts', "import { builtinNodes } from '../../nodes/index.js';", /the runtime knows no node type/],
    ['server/routes/probe.ts', "import { main } from '../../cli/main.js';", /never the CLI/],
    ['editor/src/runs/probe.ts', "import type { RunStore } from '../../../runtime/store/types.js';", /only runtime\/contract/],
    ['editor/src/probe.ts', "import { builtinNodes } from '../../nodes/index.js';", /only the graph contract/],
  ])('refuses %s: %s', async (file, source, why) => {
    const messages = await restricted(file, `${source}\nexport {};\n`);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(why);
  });

  it.each([
    ['nodes/voice/probe.ts', "import { defineNode } from '../../runtime/contract/index.js';"],
    ['server/probe.ts', "import { openWorkspace } from '../runtime/workspace.js';"],
    ['server/probe.ts', "import { builtinNodes } from '../nodes/index.js';"],
    ['editor/src/runs/probe.ts', "import type { RunDetail } from '../../../runtime/contract/records.js';"],
    ['runtime/engine/probe.ts', "import { NodeRegistry } from '../contract/index.js';"],
  ])('allows %s: %s', async (file, source) => {
    await expect(restricted(file, `${source}\nexport {};\n`)).resolves.toEqual([]);
  });
});

/**
 * The layers the lint enforces (eslint.config.js, `zone`): an import across a
 * forbidden boundary is an error naming why (`npm run lint` checks the tree).
 * And no module imports itself through others, not even for types: a cycle
 * means two files share a shape that belongs in a leaf of its own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
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

/** The relative imports of every source file under `roots` (`.js` specifiers name the `.ts`/`.tsx` file). */
function importGraph(roots: string[]): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  for (const root of roots) walk(join(repo, root));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  const specifier = /(?:import|export)\s+(?:type\s+)?[^'";]*?from\s+['"](\.[^'"]+)['"]/g;
  for (const file of files) {
    const targets: string[] = [];
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(specifier)) {
      const base = normalize(join(dirname(file), spec!));
      const target = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx')].find((candidate) => known.has(candidate));
      if (target) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** Groups of files that import one another in a circle (Tarjan's strongly connected components). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) !== index.get(file)) return;
    const group: string[] = [];
    for (let member = stack.pop(); member !== undefined; member = member === file ? undefined : stack.pop()) {
      onStack.delete(member);
      group.push(relative(repo, member));
    }
    if (group.length > 1) found.push(group.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

describe('import cycles', () => {
  it('finds none in the runtime, nodes, server, CLI or editor', () => {
    expect(cycles(importGraph(['runtime', 'nodes', 'server', 'cli', 'editor/src']))).toEqual([]);
  });

  it('would name a cycle', () => {
    const a = join(repo, 'a.ts');
    const b = join(repo, 'b.ts');
    const c = join(repo, 'c.ts');
    expect(cycles(new Map([[a, [b]], [b, [a, c]], [c, []]]))).toEqual([['a.ts', 'b.ts']]);
  });
});

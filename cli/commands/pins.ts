/**
 * `reelgraph lock | unlock | regenerate | take | pins`: the producer's say
 * over single items (runtime/runs/item-pins.ts). None of them runs anything:
 * the next `reelgraph run` keeps a locked item and makes a regenerated one
 * (`reelgraph estimate` prices it first).
 */
import type { Command } from 'commander';
import { describeItem, ItemPinError, type GraphDocument, type ItemPin } from '../../runtime/contract/index.js';
import type { Workspace } from '../../runtime/workspace.js';
import type { CliContext } from '../context.js';
import { Exit, EXIT } from '../exit.js';
import { isoTime, table } from '../format.js';
import type { Io } from '../io.js';
import { loadGraph } from '../load-graph.js';
import { reportInvalid } from '../report-invalid.js';

const graphHelp = 'graph file (with an "id") or stored graph id';
const itemHelp = "the item's index in the node's list, 0 = the first (as `reelgraph show` lists items)";

interface JsonOption {
  json?: boolean;
}

export function registerPinCommands(program: Command, cli: CliContext): void {
  program
    .command('lock')
    .description("keep an item's result (a scene clip, a voice line): later runs reuse it and never execute it, even when its inputs change")
    .argument('<graph>', graphHelp)
    .argument('<node>', 'node id')
    .argument('<item>', itemHelp)
    .option('--run <runId>', "lock this run's result of the item (default: the graph's latest run that has one)")
    .option('--json', 'print the pin as JSON')
    .action((graph: string, node: string, item: string, options: JsonOption & { run?: string }) =>
      withPins(cli, graph, node, item, options, (pins, doc, index) => pins.lock(doc, node, index, options.run)),
    );
  program
    .command('unlock')
    .description('let a locked item follow its inputs again (its take is kept)')
    .argument('<graph>', graphHelp)
    .argument('<node>', 'node id')
    .argument('<item>', itemHelp)
    .option('--json', 'print the pin as JSON')
    .action((graph: string, node: string, item: string, options: JsonOption) => withPins(cli, graph, node, item, options, (pins, doc, index) => pins.unlock(doc, node, index)));
  program
    .command('regenerate')
    .description('ask for a new take of one item (a new seed); the next run makes it, and only it. --undo goes back one take, free from the cache')
    .argument('<graph>', graphHelp)
    .argument('<node>', 'node id')
    .argument('<item>', itemHelp)
    .option('--undo', 'back to the previous take (cached: costs nothing)')
    .option('--json', 'print the pin as JSON')
    .action((graph: string, node: string, item: string, options: JsonOption & { undo?: boolean }) =>
      withPins(cli, graph, node, item, options, async (pins, doc, index) => {
        if (!options.undo) return pins.regenerate(doc, node, index);
        const { take } = await pins.get(doc, node, index);
        if (take === 0) throw new ItemPinError('NOTHING_TO_UNDO', `${describeItem(node, index)} is at its first take: nothing to undo`, 409, { nodeId: node, item: index });
        return pins.change(doc, node, index, { take: take - 1 });
      }),
    );
  program
    .command('take')
    .description('set the take of one item: 0 is the item as the graph makes it, N its Nth regeneration (earlier takes come back from the cache)')
    .argument('<graph>', graphHelp)
    .argument('<node>', 'node id')
    .argument('<item>', itemHelp)
    .argument('<take>', 'take number, 0 or more')
    .option('--json', 'print the pin as JSON')
    .action((graph: string, node: string, item: string, take: string, options: JsonOption) =>
      withPins(cli, graph, node, item, options, (pins, doc, index) => pins.change(doc, node, index, { take: count(take, 'take', cli.io) })),
    );
  program
    .command('pins')
    .description("list a graph's locked and regenerated items")
    .argument('<graph>', graphHelp)
    .option('--json', 'print JSON')
    .action(async (graphRef: string, options: JsonOption) => {
      const workspace = await cli.openWorkspace();
      try {
        const pins = await workspace.pins.list(await graphOf(workspace, graphRef, options, cli.io)).catch((error: unknown) => invalid(error, options, cli.io));
        if (options.json) return cli.io.out(`${JSON.stringify(pins, null, 2)}\n`);
        if (pins.length === 0) return cli.io.out('no pinned items\n');
        const rows = table({ head: ['node', 'item', 'locked', 'take', 'locked from run', 'updated'] });
        for (const pin of pins) rows.push([pin.nodeId, pin.index, pin.locked ? 'yes' : '', pin.take || '', pin.lockedFromRun ?? '', isoTime(pin.updatedAt)]);
        cli.io.out(`${rows.toString()}\n`);
      } finally {
        await workspace.close();
      }
    });
}

/** Open the workspace, load the graph, apply one pin operation, print the pin; a refusal exits 2 with its message. */
async function withPins(
  cli: CliContext,
  graphRef: string,
  node: string,
  item: string,
  options: JsonOption,
  operate: (pins: Workspace['pins'], graph: GraphDocument, index: number) => Promise<ItemPin>,
): Promise<void> {
  const index = count(item, 'item', cli.io);
  const workspace = await cli.openWorkspace();
  try {
    const graph = await graphOf(workspace, graphRef, options, cli.io);
    const pin = await operate(workspace.pins, graph, index).catch((error: unknown) => invalid(error, options, cli.io));
    cli.io.out(options.json ? `${JSON.stringify(pin)}\n` : `${describePin(pin)}\n`);
  } finally {
    await workspace.close();
  }
}

async function graphOf(workspace: Workspace, ref: string, options: JsonOption, io: Io): Promise<GraphDocument> {
  return loadGraph(workspace, ref).catch((error: unknown) => {
    reportInvalid(error, options.json === true, io);
    throw new Exit(EXIT.invalid);
  });
}

/** A pin refused (unknown node, nothing to lock, a locked item regenerated): what the user asked was wrong, exit 2. */
function invalid(error: unknown, options: JsonOption, io: Io): never {
  if (!(error instanceof ItemPinError)) throw error;
  io.err(options.json ? '' : `${error.message}\n`);
  if (options.json) io.out(`${JSON.stringify({ status: 'invalid', error: error.toJSON() })}\n`);
  throw new Exit(EXIT.invalid);
}

function count(text: string, what: string, io: Io): number {
  if (/^\d+$/u.test(text.trim())) return Number(text);
  io.err(`${what} must be a whole number, 0 or more (got "${text}")\n`);
  throw new Exit(EXIT.invalid);
}

export function describePin(pin: ItemPin): string {
  const item = `${describeItem(pin.nodeId, pin.index)} (graph "${pin.graphId}")`;
  const take = pin.take > 0 ? `take ${pin.take}` : 'first take';
  if (pin.locked) return `${item}: locked to its result from run ${pin.lockedFromRun ?? '?'}; later runs reuse it and never execute it (${take} kept for when it is unlocked)`;
  return `${item}: not locked, ${take}${pin.take > 0 ? ': the next run makes it (reelgraph estimate prices it), earlier takes come back from the cache' : ''}`;
}

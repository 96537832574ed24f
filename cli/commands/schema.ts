/** `reelgraph schema`: print a published JSON Schema. */
import { Argument, type Command } from 'commander';
import { fullGraphSchema, scriptSchema, variantGraphSchema } from '../../runtime/contract/index.js';
import type { CliContext } from '../context.js';

/** Schemas other tools can check files against (`docs/schema/*.schema.json` are these, committed). */
const publishedSchemas = { graph: fullGraphSchema, variant: variantGraphSchema, script: scriptSchema };

export function registerSchemaCommand(program: Command, { io }: CliContext): void {
  program
    .command('schema')
    .description('print a published JSON Schema: graph documents, series variants, or the Script')
    .addArgument(new Argument('[which]', 'which schema').choices(Object.keys(publishedSchemas)).default('graph'))
    .action((which: keyof typeof publishedSchemas) => io.out(`${JSON.stringify(publishedSchemas[which], null, 2)}\n`));
}

/** `reelgraph script parse`: parse an episode and print its outline or the Script JSON. */
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { parseScript, ScriptError } from '../../nodes/script/engine/index.js';
import type { CliContext } from '../context.js';
import { Exit, EXIT } from '../exit.js';
import { positiveInt } from '../options.js';
import { scriptOutline } from '../script-outline.js';

export function registerScriptCommand(program: Command, { io }: CliContext): void {
  program
    .command('script')
    .description('work with episode scripts')
    .command('parse')
    .description('parse an episode (markdown or Fountain) and print an outline, or the Script JSON')
    .argument('<file>', 'episode file (.md, .fountain)')
    .option('--json', 'print the Script as JSON')
    .addOption(new Option('--format <format>', 'input format').choices(['auto', 'markdown', 'fountain']).default('auto'))
    .option('--lexicon <file>', 'pronunciation lexicon: a JSON object {"word": "pronunciation"}')
    .option('--wpm <n>', 'speaking rate in words per minute', (v) => positiveInt(v, '--wpm'))
    .action(async (file: string, options: { json?: boolean; format: 'auto' | 'markdown' | 'fountain'; lexicon?: string; wpm?: number }) => {
      try {
        const lexicon = options.lexicon ? (JSON.parse(await readFile(options.lexicon, 'utf8')) as Record<string, string>) : undefined;
        const script = parseScript(await readFile(file), { format: options.format, file, ...(lexicon ? { lexicon } : {}), ...(options.wpm ? { wordsPerMinute: options.wpm } : {}) });
        io.out(options.json ? `${JSON.stringify(script, null, 2)}\n` : scriptOutline(script));
      } catch (error) {
        if (!(error instanceof ScriptError) && !isFileError(error) && !(error instanceof SyntaxError)) throw error;
        io.err(`${error instanceof Error ? error.message : String(error)}\n`);
        throw new Exit(EXIT.invalid);
      }
    });
}

function isFileError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

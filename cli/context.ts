/** What every command is handed: where to write, the data directory, and the CLI's workspace. */
import type { Command } from 'commander';
import { builtinNodes } from '../nodes/index.js';
import { dataDirFrom, openWorkspace, type Workspace, type WorkspaceOptions } from '../runtime/workspace.js';
import type { Io } from './io.js';

export interface CliContext {
  io: Io;
  /** The `--data` directory (or the default); read when a command runs, after the options are parsed. */
  dataDir: () => string;
  /** The CLI's workspace: the data directory given (or the default) with the built-in node types. The caller closes it. */
  openWorkspace: (options?: Omit<WorkspaceOptions, 'nodes'>) => Promise<Workspace>;
}

export function createCliContext(program: Command, io: Io): CliContext {
  const dataDir = (): string => dataDirFrom(program.opts<{ data?: string }>().data);
  return {
    io,
    dataDir,
    openWorkspace: (options = {}) => openWorkspace(dataDir(), { nodes: builtinNodes, ...options }),
  };
}

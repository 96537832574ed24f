/** A run named on the command line: its id, or a unique prefix of it. */
import type { RunDetail } from '../runtime/contract/records.js';
import type { Workspace } from '../runtime/workspace.js';
import { Exit, EXIT } from './exit.js';
import type { Io } from './io.js';

/** The run `ref` names; says why on stderr and exits 2 when none or several do. */
export async function findRun(workspace: Workspace, ref: string, io: Io): Promise<RunDetail> {
  const exact = await workspace.store.getRun(ref);
  if (exact) return exact;
  const matches = (await workspace.store.listRuns({ limit: 1000 })).filter((r) => r.id.startsWith(ref));
  const only = matches.length === 1 && matches[0] ? await workspace.store.getRun(matches[0].id) : undefined;
  if (only) return only;
  io.err(matches.length > 1 ? `run id prefix "${ref}" is ambiguous (${matches.length} runs)\n` : `no run "${ref}"\n`);
  throw new Exit(EXIT.invalid);
}

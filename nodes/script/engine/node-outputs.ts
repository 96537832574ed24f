/** What the script nodes put on their ports. */
import type { NodeLogger, NodeOutputs, PortSpec, Script } from '../../../runtime/contract/index.js';

export const scriptOutputs: PortSpec[] = [
  { name: 'script', type: 'Script', title: 'Script' },
  { name: 'speakable', type: 'Segment', list: true, title: 'Speakable segments', description: 'Dialogue and narration in order: what voice nodes map over.' },
  { name: 'terminals', type: 'Segment', list: true, title: 'Terminal blocks', description: 'Terminal screens in order: what overlay.terminal maps over.' },
];

export function scriptResult(script: Script, log: NodeLogger): NodeOutputs {
  for (const warning of script.warnings) log.warn(warning.line ? `line ${warning.line}: ${warning.message}` : warning.message, { code: warning.code });
  const segments = script.scenes.flatMap((scene) => scene.segments);
  const speakable = segments.filter((s) => s.kind === 'dialogue' || s.kind === 'narration');
  return { script, speakable, terminals: segments.filter((s) => s.kind === 'terminal') };
}

/** What the script nodes put on their ports. */
import { PermanentError, type NodeLogger, type NodeOutputs, type PortSpec, type Script } from '../../../runtime/contract/index.js';

export const scriptOutputs: PortSpec[] = [
  { name: 'script', type: 'Script', title: 'Script' },
  { name: 'speakable', type: 'Segment', list: true, title: 'Speakable segments', description: 'Dialogue and narration in order: what voice nodes map over.' },
  { name: 'terminals', type: 'Segment', list: true, title: 'Terminal blocks', description: 'Terminal screens in order: what overlay.terminal maps over.' },
];

/**
 * The script's outputs; with `scene` (1-based), a preview of that scene alone.
 * The episode is parsed whole and then cut, so every id, the scene's index
 * and each segment's text and timing are what the full episode has: the
 * voice, overlay and scene results a preview makes are the full render's
 * (their cache keys read ids and content, not positions), and the other way
 * round.
 */
export function scriptResult(script: Script, log: NodeLogger, scene?: number): NodeOutputs {
  for (const warning of script.warnings) log.warn(warning.line ? `line ${warning.line}: ${warning.message}` : warning.message, { code: warning.code });
  const shown = scene === undefined ? script : oneScene(script, scene);
  const segments = shown.scenes.flatMap((each) => each.segments);
  const speakable = segments.filter((s) => s.kind === 'dialogue' || s.kind === 'narration');
  return { script: shown, speakable, terminals: segments.filter((s) => s.kind === 'terminal') };
}

/** The script cut to scene `number` (1-based); the episode's duration becomes the scene's. */
function oneScene(script: Script, number: number): Script {
  const scene = script.scenes[number - 1];
  if (!scene) {
    throw new PermanentError(`scene ${number} does not exist: the episode has ${script.scenes.length} scene${script.scenes.length === 1 ? '' : 's'}`, { location: { param: '/scene' } });
  }
  return { ...script, scenes: [scene], duration: scene.timing.duration };
}

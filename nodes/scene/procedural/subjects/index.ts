/**
 * Subjects drawn in front of a scene's setting — people, screens, timers,
 * charts — with the framing the brief asks for: shot size, a shallow depth
 * of field, fast cuts. reading.ts reads them from the words; the renderer
 * builds them with the motif and frames each frame with `shotAt`.
 */
import { buildChart } from './chart.js';
import { buildFigures, buildOnlooker } from './figure.js';
import { buildScreen } from './screen.js';
import { buildTimer } from './timer.js';
import type { Stage } from '../stage.js';
import type { SubjectKind } from './reading.js';
import type { BuiltSubject, SubjectSetup } from './subject.js';

export { defocus, paintBackdrop, paintBokeh } from './focus.js';
export { createShots, framed, type Shot } from './shots.js';
export * from './reading.js';
export type { BuiltSubject, SubjectSetup } from './subject.js';

const builders: Readonly<Record<SubjectKind, (stage: Stage, setup: SubjectSetup, cutting: boolean) => BuiltSubject>> = {
  figure: buildFigures,
  screen: buildScreen,
  timer: buildTimer,
  chart: buildChart,
};

/** The subject's layers; `cutting`: fast cuts, where every third shot cuts away from it. */
export function buildSubject(stage: Stage, setup: SubjectSetup, cutting: boolean): BuiltSubject {
  const built = builders[setup.kind](stage, setup, cutting);
  return setup.onlooker ? { ...built, layers: [...built.layers, buildOnlooker(stage, cutting)] } : built;
}

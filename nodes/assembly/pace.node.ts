import { defineNode, type Script } from '../../runtime/contract/index.js';
import { formatParamsSchema, resolveFormat, type FormatParams } from '../video/profiles.js';
import { pacingParamsSchema, planScenes, type PacingOptions, type TimedOverlay, type VoicedClip } from './plan.js';

type Params = Omit<PacingOptions, 'fps'> & FormatParams;

export default defineNode<Params>({
  type: 'assembly.pace',
  version: 1,
  title: 'Pacing',
  category: 'assembly',
  description: 'Times every scene from the real audio: voiced lines at their measured length, terminal blocks, pauses, plus lead-in, gaps and tail. Scene visuals and the timeline both follow this plan.',
  inputs: [
    { name: 'script', type: 'Script', title: 'Script' },
    { name: 'audio', type: 'AudioClip', list: true, optional: true, title: 'Voice clips', description: 'Without them, the script’s estimates are used.' },
    { name: 'overlays', type: 'Overlay', list: true, optional: true, title: 'Overlays', description: 'Terminal blocks last as long as their animation.' },
  ],
  outputs: [{ name: 'plan', type: 'ScenePlan', title: 'Scene plan' }],
  params: {
    type: 'object',
    additionalProperties: false,
    properties: { ...pacingParamsSchema, ...formatParamsSchema },
  },
  resource: 'cpu',
  cacheable: true,
  async execute({ inputs, params }) {
    const { fps } = resolveFormat(params);
    const plan = planScenes(inputs.script as Script, (inputs.audio ?? []) as VoicedClip[], (inputs.overlays ?? []) as TimedOverlay[], { ...params, fps });
    return { plan };
  },
});

import { defineNode, nodeParams, type AudioClip, type Overlay, type Script } from '../../runtime/contract/index.js';
import { formatParams, resolveFormat } from '../video/profiles.js';
import { pacingParams, planScenes } from './plan.js';

export default defineNode({
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
  params: nodeParams({ ...pacingParams, ...formatParams }),
  resource: 'light',
  cacheable: true,
  async execute({ inputs, params }) {
    const { fps } = resolveFormat(params);
    const plan = planScenes(inputs.script as Script, (inputs.audio ?? []) as AudioClip[], (inputs.overlays ?? []) as Overlay[], { ...params, fps });
    return { plan };
  },
});

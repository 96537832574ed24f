import { defineNode, nodeParams, type Timeline } from '../../runtime/contract/index.js';
import { buildCues, cueRulesParams } from './cues.js';

export default defineNode({
  type: 'captions.build',
  version: 1,
  title: 'Captions',
  category: 'assembly',
  description:
    'Cuts the timeline’s dialogue into caption cues the way a captioner would: at most two lines of 42 characters and 7 seconds, broken at sentence and phrase boundaries, a new cue for each speaker, none across a scene cut, each inside its audio — with every word’s time for highlighting.',
  inputs: [{ name: 'timeline', type: 'Timeline', title: 'Timeline', description: 'Its dialogue track: clips with words (or text) and speakers.' }],
  outputs: [{ name: 'subtitles', type: 'Subtitles', title: 'Captions', description: 'For the SRT/VTT export and the burn-in.' }],
  params: nodeParams(cueRulesParams),
  resource: 'light',
  cacheable: true,
  async execute({ inputs, params, log }) {
    const timeline = inputs.timeline as Timeline;
    const cues = buildCues(timeline, params);
    if (cues.length === 0) log.warn('the timeline has no dialogue to caption');
    return { subtitles: { cues } };
  },
});

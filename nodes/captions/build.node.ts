import { defineNode, type Timeline } from '../../runtime/contract/index.js';
import { buildCues, defaultCueRules, speakerLabels, type CueRules } from './cues.js';

export default defineNode<CueRules>({
  type: 'captions.build',
  version: 1,
  title: 'Captions',
  category: 'assembly',
  description:
    'Cuts the timeline’s dialogue into caption cues the way a captioner would: at most two lines of 42 characters and 7 seconds, broken at sentence and phrase boundaries, a new cue for each speaker, none across a scene cut, each inside its audio — with every word’s time for highlighting.',
  inputs: [{ name: 'timeline', type: 'Timeline', title: 'Timeline', description: 'Its dialogue track: clips with words (or text) and speakers.' }],
  outputs: [{ name: 'subtitles', type: 'Subtitles', title: 'Captions', description: 'For the SRT/VTT export and the burn-in.' }],
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      maxLines: { type: 'integer', title: 'Lines per cue', minimum: 1, maximum: 3, default: defaultCueRules.maxLines },
      maxChars: { type: 'integer', title: 'Characters per line', description: '42 is the broadcast norm; vertical video reads better around 28–32.', minimum: 12, maximum: 80, default: defaultCueRules.maxChars },
      maxDuration: { type: 'number', title: 'Longest cue (s)', minimum: 1, maximum: 20, default: defaultCueRules.maxDuration },
      minDuration: { type: 'number', title: 'Shortest display (s)', description: 'Where the next cue and the clip’s audio leave room.', minimum: 0, maximum: 5, default: defaultCueRules.minDuration },
      speakerLabel: { enum: [...speakerLabels], title: 'Speaker label', description: 'On the first cue of each turn: none, "ARIA: " or "- ".', default: defaultCueRules.speakerLabel },
      unlabeledSpeakers: { type: 'array', title: 'Never labelled', items: { type: 'string', minLength: 1 }, default: defaultCueRules.unlabeledSpeakers },
    },
  },
  resource: 'cpu',
  cacheable: true,
  async execute({ inputs, params, log }) {
    const timeline = inputs.timeline as Timeline;
    const cues = buildCues(timeline, params);
    if (cues.length === 0) log.warn('the timeline has no dialogue to caption');
    return { subtitles: { cues } };
  },
});

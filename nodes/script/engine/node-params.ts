/** Params shared by the script nodes: one schema, so markdown and Fountain graphs configure alike. */
import { nodeParams, Type } from '../../../runtime/contract/index.js';
import { DEFAULT_MAX_BYTES } from './source.js';
import { timingDefaults } from './timing.js';

export const scriptNodeParams = nodeParams({
  // propertyNames has no TypeBox builder; the exact schema keeps the published shape.
  lexicon: Type.Unsafe<Record<string, string>>({
    type: 'object',
    title: 'Pronunciation lexicon',
    description: 'Words and how voices should say them, e.g. {"Kael": "Kale"}. Captions keep the original spelling.',
    additionalProperties: { type: 'string', maxLength: 200 },
    propertyNames: { minLength: 1, maxLength: 100 },
    default: {},
  }),
  wordsPerMinute: Type.Number({ title: 'Speaking rate (words/min)', minimum: 60, maximum: 400, default: timingDefaults.wordsPerMinute }),
  narrator: Type.String({ title: 'Narrator', description: 'Who speaks plain prose.', minLength: 1, maxLength: 60, default: 'NARRATOR' }),
  maxBytes: Type.Integer({ title: 'Size limit (bytes)', minimum: 1, maximum: 64 * 1024 * 1024, default: DEFAULT_MAX_BYTES }),
  sourceName: Type.Optional(Type.String({ title: 'Source name', description: 'File name used in messages (file:line).' })),
  // No default: unset is the whole episode. `reelgraph run --scene N` and POST /api/runs {scene} set it for a preview.
  scene: Type.Optional(
    Type.Integer({
      title: 'Only scene (preview)',
      description:
        'Output only this scene (1 = the first): its lines, terminal blocks and visual, for a short preview. Segment and scene ids stay those of the whole episode, so the preview and the full render share their voice and scene results.',
      minimum: 1,
    }),
  ),
});

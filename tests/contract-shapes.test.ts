/**
 * Shapes written once (issue 16): the Script's types are derived from the
 * schemas ajv checks, so they cannot disagree. The type assertions are
 * checked by `npm run typecheck`; the value checks here by vitest.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { checkSchema, segmentSchema, type Cue, type Segment, type SegmentKind, type Timing } from '../runtime/contract/index.js';

const segment: Segment = {
  id: 's1-1',
  sceneId: 's1',
  kind: 'dialogue',
  speaker: 'KAEL',
  speechText: 'Is anyone there?',
  displayText: 'Is anyone there?',
  line: 4,
  words: 3,
  timing: { start: 0, duration: 1.2 },
};

describe('the Script shapes', () => {
  it('types what the schema checks: required fields required, optional ones optional', () => {
    expectTypeOf<Segment['kind']>().toEqualTypeOf<SegmentKind>();
    expectTypeOf<Segment['timing']>().toEqualTypeOf<Timing>();
    expectTypeOf<Segment['speaker']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Segment['cue']>().toEqualTypeOf<Cue | undefined>();
    expectTypeOf<Segment['speechText']>().toEqualTypeOf<string>();
    expect(checkSchema(segmentSchema, segment)).toEqual([]);
  });

  it('refuses what the type refuses', () => {
    const { speechText: _dropped, ...withoutSpeech } = segment;
    expect(checkSchema(segmentSchema, withoutSpeech)).toEqual([{ pointer: '/speechText', message: 'is required' }]);
    expect(checkSchema(segmentSchema, { ...segment, kind: 'monologue' })).toEqual([{ pointer: '/kind', message: 'must be one of "dialogue", "narration", "terminal", "cue"' }]);
    expect(checkSchema(segmentSchema, { ...segment, line: 0 })).toEqual([{ pointer: '/line', message: 'must be >= 1' }]);
  });
});

import { describe, expect, it } from 'vitest';
import { checkPortValue, portValueSchema } from '../runtime/contract/port-value.js';
import { portTypes } from '../runtime/contract/ports.js';

describe('portValueSchema', () => {
  it('is one object per type and list, so ajv compiles each validator once', () => {
    expect(portValueSchema('Segment', true)).toBe(portValueSchema('Segment', true));
    expect(portValueSchema('Segment', true)).toEqual({ type: 'array', items: portTypes.Segment.schema });
    expect(portValueSchema('AudioClip')).toBe(portTypes.AudioClip.schema);
    expect(portValueSchema('AudioClip', false)).toBe(portValueSchema('AudioClip'));
  });

  it('checks a value as its type, or a list of it', () => {
    expect(checkPortValue({ type: 'Text' }, 'hello')).toEqual([]);
    expect(checkPortValue({ type: 'Text', list: true }, ['a', 'b'])).toEqual([]);
    expect(checkPortValue({ type: 'Text', list: true }, ['a', 2])).toEqual([{ pointer: '/1', message: 'must be string' }]);
    expect(checkPortValue({ type: 'Number' }, [1])).toEqual([{ pointer: '', message: 'must be number' }]);
  });
});

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

describe('RenderChunk', () => {
  const layer = { media: { id: 'a'.repeat(64), kind: 'video', mime: 'video/mp4', bytes: 1 }, sourceIn: 0, start: 0, duration: 2 };
  const chunk = { index: 0, sceneId: 's1', title: 'Intro', part: 1, parts: 1, start: 0, frames: 60, width: 320, height: 180, fps: 30, encode: { preset: 'veryfast', crf: 20 }, base: layer, overlays: [], effects: [] };

  it('is its own port type: a piece of the render plan, not any JSON', () => {
    expect(checkPortValue({ type: 'RenderChunk', list: true }, [chunk])).toEqual([]);
    expect(checkPortValue({ type: 'RenderChunk', list: true }, [{ ...chunk, frames: 0 }])).toEqual([{ pointer: '/0/frames', message: 'must be >= 1' }]);
    expect(checkPortValue({ type: 'RenderChunk' }, { ...chunk, base: undefined })).toEqual([{ pointer: '/base', message: 'is required' }]);
    expect(checkPortValue({ type: 'RenderChunk' }, { ...chunk, overlays: [{ start: 0 }] }).map((issue) => issue.pointer)).toEqual(['/overlays/0/media', '/overlays/0/sourceIn', '/overlays/0/duration']);
  });
});


/**
 * Node types for the storyboard's browser test: scenes, and per scene a still
 * (a PNG of the scene's own colour and size) and a voice line (a WAV tone of
 * the scene's own length), stored as artifacts, so the storyboard has real
 * media to show and play, and a test can tell one item's from another's.
 */
import { deflateSync } from 'node:zlib';
import { defineNode, type NodeType } from '../../runtime/contract/index.js';
import { sineWav } from '../fixtures/wav.js';

interface Scene {
  title: string;
  prompt: string;
  text: string;
  /** The still's width in pixels and the voice line's length in tenths of a second: per scene, to tell them apart. */
  n: number;
}

export const storyScenes = defineNode<{ count: number }>({
  type: 'teststory.scenes',
  version: 1,
  title: 'Story scenes',
  category: 'test',
  description: '`count` scenes, each with a title, a prompt and a line.',
  inputs: [],
  outputs: [{ name: 'scenes', type: 'Json', list: true }],
  params: { type: 'object', properties: { count: { type: 'integer', minimum: 1, default: 3 } } },
  resource: 'cpu',
  cacheable: true,
  execute: async (ctx) => ({
    scenes: Array.from({ length: ctx.params.count }, (_, i): Scene => ({ title: `Scene ${i + 1}`, prompt: `a lighthouse at dusk, shot ${i + 1}`, text: `Line ${i + 1}: the lamp turns.`, n: i + 1 })),
  }),
});

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG of one colour: 8-bit RGB, no filter. */
export function solidPng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(pixels)), chunk('IEND', Buffer.alloc(0))]);
}

/** Scene n's still is (32·(n+1))×36 pixels. */
export const stillWidth = (n: number): number => 32 * (n + 1);
/** Scene n's voice line lasts n·0.4 s. */
export const voiceSeconds = (n: number): number => 0.4 * n;

export const storyStills = defineNode({
  type: 'teststory.stills',
  version: 1,
  title: 'Story stills',
  category: 'test',
  description: 'Per scene a PNG still.',
  inputs: [{ name: 'scenes', type: 'Json', list: true }],
  outputs: [{ name: 'stills', type: 'Json', list: true }],
  params: { type: 'object', properties: {} },
  mapOver: 'scenes',
  resource: 'cpu',
  cacheable: true,
  execute: async (ctx) => {
    const scene = ctx.inputs.scenes as Scene;
    const png = solidPng(stillWidth(scene.n), 36, [40 * scene.n, 120, 200]);
    return { stills: await ctx.artifacts.put({ data: png }, { mime: 'image/png', name: `scene-${scene.n}.png`, probe: false, meta: { width: stillWidth(scene.n), height: 36 } }) };
  },
});

export const storyVoices = defineNode({
  type: 'teststory.voices',
  version: 1,
  title: 'Story voices',
  category: 'test',
  description: 'Per scene a WAV voice line.',
  inputs: [{ name: 'scenes', type: 'Json', list: true }],
  outputs: [{ name: 'lines', type: 'Json', list: true }],
  params: { type: 'object', properties: {} },
  mapOver: 'scenes',
  resource: 'cpu',
  cacheable: true,
  execute: async (ctx) => {
    const scene = ctx.inputs.scenes as Scene;
    const seconds = voiceSeconds(scene.n);
    const wav = sineWav(seconds, 22_050, 220 * scene.n);
    return { lines: await ctx.artifacts.put({ data: wav }, { mime: 'audio/wav', name: `line-${scene.n}.wav`, probe: false, meta: { duration: seconds, sampleRate: 22_050, channels: 1 } }) };
  },
});

export const storyboardNodes = [storyScenes, storyStills, storyVoices] as NodeType[];

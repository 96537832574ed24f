/**
 * The mix, a block of samples at a time. Holding the whole episode as float
 * samples costs ~11.5 MB a minute per channel, and a mix holds eight channels
 * of it (three tracks, the gains, the sum): 2.7 GB for 30 minutes. Here a
 * block is laid, ducked, summed and appended to float WAV files before the
 * next, so memory stays a few blocks and the clips in play, whatever the
 * episode's length.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { TimelineClip } from '../../runtime/contract/index.js';
import { Ducker, type DuckingOptions } from './ducking.js';
import { decodeAudio, MIX_RATE, mixInto } from './pcm.js';
import { mapLimited } from '../../runtime/util/map-limited.js';

/** 30 s: a whole number of ducking windows (10 ms). */
export const BLOCK_FRAMES = 30 * MIX_RATE;
/** A looped source up to this long is decoded once and tiled; a longer one is read a block at a time. */
const MAX_TILED_SECONDS = 600;
/** Decodes in flight: each is an ffmpeg process. */
const DECODE_CONCURRENCY = 4;

const dbToGain = (db: number): number => 10 ** (db / 20);

export interface Decode {
  (path: string, options: { channels: 1 | 2; seconds?: number; offset?: number; loop?: boolean }): Promise<Float32Array>;
}

export interface BlockMixSources {
  localPath(handle: NonNullable<TimelineClip['media']>): Promise<string>;
  signal: AbortSignal;
}

/**
 * One track's clips laid on blocks. A clip no longer than a block is decoded
 * once, kept while blocks overlap it and then let go; a longer one (a music
 * bed) is read for each block: a looped source by tiling it once decoded, as
 * `-stream_loop` plays it (from `sourceIn` to its end, then from its start).
 */
class TrackLayer {
  private readonly held = new Map<TimelineClip, Promise<Float32Array>>();
  private readonly sources = new Map<TimelineClip, Promise<Float32Array>>();
  private readonly clips: TimelineClip[];

  constructor(
    clips: readonly TimelineClip[],
    private readonly channels: 1 | 2,
    private readonly blockFrames: number,
    private readonly io: BlockMixSources,
    private readonly decode: Decode,
  ) {
    this.clips = clips.filter((clip) => clip.media && clip.duration > 0);
  }

  async block(from: number, frames: number): Promise<Float32Array> {
    const bed = new Float32Array(frames * this.channels);
    const to = from + frames;
    const inPlay = this.clips.filter((clip) => {
      const at = Math.round(clip.start * MIX_RATE);
      return at < to && at + Math.ceil(clip.duration * MIX_RATE) > from;
    });
    for (const clip of this.held.keys()) if (!inPlay.includes(clip)) this.held.delete(clip);
    for (const clip of this.sources.keys()) if (!inPlay.includes(clip)) this.sources.delete(clip);
    const parts = await mapLimited(inPlay, DECODE_CONCURRENCY, (clip) => this.part(clip, from, to));
    parts.forEach((part, i) => {
      const gain = dbToGain(inPlay[i]!.gainDb ?? 0);
      if ('samples' in part) mixInto(bed, this.channels, part.samples, this.channels, part.at - from, gain);
      else tileInto(bed, this.channels, part.looped, part.at - from, gain);
    });
    return bed;
  }

  /** The clip's samples that fall in [from, to), or where to read them in its looped source, and the frame they start at. */
  private async part(clip: TimelineClip, from: number, to: number): Promise<{ samples: Float32Array; at: number } | { looped: LoopedRead; at: number }> {
    const at = Math.round(clip.start * MIX_RATE);
    const length = Math.ceil(clip.duration * MIX_RATE);
    if (length <= this.blockFrames) {
      let whole = this.held.get(clip);
      if (!whole) {
        whole = this.decodeClip(clip, { seconds: clip.duration, offset: clip.sourceIn, loop: clip.loop ?? false });
        this.held.set(clip, whole);
      }
      return { samples: await whole, at };
    }
    const first = Math.max(from, at) - at;
    const last = Math.min(to, at + length) - at;
    const sourceSeconds = clip.media?.duration;
    if (clip.loop && sourceSeconds !== undefined && sourceSeconds <= MAX_TILED_SECONDS) {
      let source = this.sources.get(clip);
      if (!source) {
        source = this.decodeClip(clip, {});
        this.sources.set(clip, source);
      }
      // Tiled straight into the block by the caller: a copy of it would be another block's worth of samples.
      return { looped: { source: await source, sourceIn: Math.round(clip.sourceIn * MIX_RATE), first, count: last - first }, at: at + first };
    }
    const samples = await this.decodeClip(clip, { seconds: (last - first) / MIX_RATE, offset: clip.sourceIn + first / MIX_RATE, loop: clip.loop ?? false });
    return { samples, at: at + first };
  }

  private async decodeClip(clip: TimelineClip, options: { seconds?: number; offset?: number; loop?: boolean }): Promise<Float32Array> {
    return this.decode(await this.io.localPath(clip.media!), { channels: this.channels, ...options });
  }
}

/** `count` frames of a looped source from frame `first` of its stream: `sourceIn` to the end, then from the start again, as `-stream_loop` plays a file. */
export interface LoopedRead {
  source: Float32Array;
  sourceIn: number;
  first: number;
  count: number;
}

/** Adds the looped read into `target` (of the source's channels) from frame `at`, times `gain`. */
export function tileInto(target: Float32Array, channels: number, { source, sourceIn, first, count }: LoopedRead, at: number, gain = 1): void {
  const period = source.length / channels;
  if (period === 0) return;
  const end = Math.min(count, target.length / channels - at);
  for (let frame = Math.max(0, -at); frame < end; frame++) {
    const t = first + frame;
    // The first pass starts at sourceIn; every later one at 0, as -stream_loop plays a file again.
    const position = sourceIn + t < period ? sourceIn + t : (sourceIn + t - period) % period;
    for (let channel = 0; channel < channels; channel++) target[(at + frame) * channels + channel]! += source[position * channels + channel]! * gain;
  }
}

/** A 32-bit float WAV written a block at a time; its length is known up front. */
export class FloatWavWriter {
  private constructor(
    private readonly file: FileHandle,
    private readonly channels: number,
  ) {}

  static async create(path: string, channels: number, frames: number): Promise<FloatWavWriter> {
    const file = await open(path, 'w');
    const header = Buffer.alloc(44);
    const dataBytes = frames * channels * 4;
    header.write('RIFF', 0, 'ascii');
    header.writeUInt32LE(36 + dataBytes, 4);
    header.write('WAVEfmt ', 8, 'ascii');
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(3, 20); // WAVE_FORMAT_IEEE_FLOAT
    header.writeUInt16LE(channels, 22);
    header.writeUInt32LE(MIX_RATE, 24);
    header.writeUInt32LE(MIX_RATE * channels * 4, 28);
    header.writeUInt16LE(channels * 4, 32);
    header.writeUInt16LE(32, 34);
    header.write('data', 36, 'ascii');
    header.writeUInt32LE(dataBytes, 40);
    await file.write(header);
    return new FloatWavWriter(file, channels);
  }

  async append(samples: Float32Array): Promise<void> {
    if (samples.length % this.channels !== 0) throw new Error('a block must hold whole sample frames');
    await this.file.write(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

export interface MixFiles {
  /** Stereo: the sum. */
  mix: string;
  /** The tracks as they went into the sum (music ducked), when stems are wanted. */
  stems?: { dialogue: string; effects: string; music: string };
}

export interface BlockMixInput {
  /** The episode's length in sample frames. */
  frames: number;
  dialogue: readonly TimelineClip[];
  effects: readonly TimelineClip[];
  music: readonly TimelineClip[];
  ducking?: Omit<DuckingOptions, 'sampleRate'>;
  blockFrames?: number;
}

/** The largest sample magnitude of each file written (linear, 1 = full scale). */
export interface MixPeaks {
  mix: number;
  dialogue: number;
  effects: number;
  music: number;
}

const peakOf = (samples: Float32Array, from: number): number => {
  let peak = from;
  for (let i = 0; i < samples.length; i++) {
    const magnitude = Math.abs(samples[i]!);
    if (magnitude > peak) peak = magnitude;
  }
  return peak;
};

/** Lays, ducks and sums the tracks block by block into float WAV files; says each one's sample peak. */
export async function mixToFiles(input: BlockMixInput, files: MixFiles, io: BlockMixSources, decode: Decode = (path, options) => decodeAudio(path, { ...options, signal: io.signal })): Promise<MixPeaks> {
  const blockFrames = input.blockFrames ?? BLOCK_FRAMES;
  const ducker = input.ducking && input.music.length > 0 ? new Ducker({ ...input.ducking, sampleRate: MIX_RATE }) : undefined;
  if (ducker && blockFrames % ducker.window !== 0) throw new Error(`a mix block (${blockFrames} frames) must be whole ducking windows (${ducker.window})`);
  const dialogue = new TrackLayer(input.dialogue, 1, blockFrames, io, decode);
  const effects = new TrackLayer(input.effects, 2, blockFrames, io, decode);
  const music = new TrackLayer(input.music, 2, blockFrames, io, decode);

  const peaks: MixPeaks = { mix: 0, dialogue: 0, effects: 0, music: 0 };
  const writers: FloatWavWriter[] = [];
  const writer = async (path: string, channels: number): Promise<FloatWavWriter> => {
    const created = await FloatWavWriter.create(path, channels, input.frames);
    writers.push(created);
    return created;
  };
  try {
    const mixOut = await writer(files.mix, 2);
    const stemsOut = files.stems ? { dialogue: await writer(files.stems.dialogue, 1), effects: await writer(files.stems.effects, 2), music: await writer(files.stems.music, 2) } : undefined;
    const blockAt = (from: number): number => Math.min(blockFrames, input.frames - from);
    // The dialogue runs one block ahead: the ducker's look-ahead reaches into the next block.
    let speech = await dialogue.block(0, blockAt(0));
    let active = ducker?.speech(speech);
    for (let from = 0; from < input.frames; from += blockFrames) {
      // A block may need no decode (a tiled bed): cancelling stops here, not at the end of the episode.
      io.signal.throwIfAborted();
      const frames = blockAt(from);
      const next = from + frames < input.frames ? await dialogue.block(from + frames, blockAt(from + frames)) : undefined;
      const nextActive = next && ducker ? ducker.speech(next) : undefined;
      const [effectsBlock, musicBlock] = await Promise.all([effects.block(from, frames), music.block(from, frames)]);
      if (ducker && active) {
        const windows = new Uint8Array(active.length + (nextActive?.length ?? 0));
        windows.set(active);
        if (nextActive) windows.set(nextActive, active.length);
        const gains = ducker.gains(frames, windows);
        for (let i = 0; i < frames; i++) {
          musicBlock[i * 2]! *= gains[i]!;
          musicBlock[i * 2 + 1]! *= gains[i]!;
        }
      }
      peaks.dialogue = peakOf(speech, peaks.dialogue);
      peaks.effects = peakOf(effectsBlock, peaks.effects);
      peaks.music = peakOf(musicBlock, peaks.music);
      if (stemsOut) {
        await stemsOut.dialogue.append(speech);
        await stemsOut.effects.append(effectsBlock);
        await stemsOut.music.append(musicBlock);
      }
      // Summed into the effects block, whose stem is written: a sum of its own would be another block held. Float
      // addition of two terms commutes, so the samples are those of a sum from silence in dialogue, effects, music order.
      const sum = effectsBlock;
      mixInto(sum, 2, speech, 1, 0);
      mixInto(sum, 2, musicBlock, 2, 0);
      await mixOut.append(sum);
      peaks.mix = peakOf(sum, peaks.mix);
      if (next) {
        speech = next;
        active = nextActive;
      }
    }
  } finally {
    await Promise.all(writers.map((w) => w.close()));
  }
  return peaks;
}

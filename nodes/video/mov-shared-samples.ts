/**
 * Repeated frames of an intra-only clip, stored once. The frame encoder sends
 * ffmpeg only the frames that differ from the one before; this rewrites the
 * QuickTime file ffmpeg wrote so that every frame is a sample again, each
 * repeated one pointing at the bytes of the frame it repeats. Readers (render
 * pieces, ffprobe, editing software) see the same frames at the same constant
 * rate, sample for sample, while the encode and the bytes stored cover only
 * the distinct frames: a terminal block repeats about a third of its frames.
 *
 * Sample tables (ISO/IEC 14496-12 §8.6–8.7, the same in QuickTime) locate a
 * sample through its chunk: `stsc` groups samples into chunks, `stco`/`co64`
 * gives each chunk's offset and `stsz` each sample's size. The rewrite makes
 * every sample a chunk of its own, so a repeated sample is a chunk offset
 * listed again. Only the movie atom changes; it is the file's last atom (ffmpeg
 * writes it after the media unless told to move it), so the media data stays
 * where it is and the atom is written again in place.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { PermanentError } from '../../runtime/contract/index.js';
import { atomHeader, parseAtoms, serialiseAtom, type Atom } from './mov-atoms.js';

/** Sample-table atoms the rewrite understands; anything else (sync samples, composition offsets…) would need remapping too. */
const SAMPLE_TABLE = new Set(['stsd', 'stts', 'stsc', 'stsz', 'stco', 'co64']);

/**
 * Rewrites the QuickTime file at `path`, whose samples are the distinct frames in order, so frame `i` shows stored
 * sample `storedSampleOf[i]`. The stored samples must all last the same time; so does every frame afterwards.
 */
export async function shareRepeatedSamples(path: string, storedSampleOf: readonly number[]): Promise<void> {
  const fail = (why: string): never => {
    throw new PermanentError(`cannot store repeated frames of "${path}" once: ${why}`, { location: { file: path } });
  };
  const file = await open(path, 'r+');
  try {
    const { size } = await file.stat();
    const moov = await findLastAtom(file, size, 'moov', fail);
    const movie = parseAtoms(await readAt(file, moov.offset + moov.headerBytes, moov.size - moov.headerBytes), fail);
    rewriteMovie(movie, storedSampleOf, fail);
    const written = serialiseAtom({ type: 'moov', body: Buffer.alloc(0), children: movie });
    await file.truncate(moov.offset);
    await file.write(written, 0, written.length, moov.offset);
  } finally {
    await file.close();
  }
}

function rewriteMovie(movie: Atom[], storedSampleOf: readonly number[], fail: (why: string) => never): void {
  const tracks = movie.filter((atom) => atom.type === 'trak');
  if (tracks.length !== 1) fail(`it has ${tracks.length} tracks, not one`);
  const track = tracks[0] as Atom;
  const media = child(track, 'mdia', fail);
  const table = child(child(media, 'minf', fail), 'stbl', fail);
  const unknown = (table.children ?? []).map((atom) => atom.type).filter((type) => !SAMPLE_TABLE.has(type));
  if (unknown.length > 0) fail(`its sample table holds ${unknown.join(', ')}`);

  const sizes = sampleSizes(child(table, 'stsz', fail).body);
  const offsets = sampleOffsets(table, sizes, fail);
  const delta = constantDelta(child(table, 'stts', fail).body, sizes.length, fail);
  const frames = storedSampleOf.length;
  let sent = 0;
  storedSampleOf.forEach((stored, frame) => {
    if (!Number.isInteger(stored) || stored < 0 || stored >= sizes.length) fail(`frame ${frame} shows sample ${stored}, but ${sizes.length} were stored`);
    sent = Math.max(sent, stored + 1);
  });
  // A sample more or fewer than the frames sent would shift every frame after it.
  if (sent !== sizes.length) fail(`it holds ${sizes.length} samples for ${sent} distinct frames`);

  const mediaDuration = frames * delta;
  const mediaHeader = child(media, 'mdhd', fail).body;
  const movieHeader = movie.find((atom) => atom.type === 'mvhd')?.body ?? fail('no mvhd atom in moov');
  // Rounded up, as ffmpeg does, so the movie never ends before its last frame.
  const movieDuration = Math.ceil((mediaDuration * timescale(movieHeader)) / timescale(mediaHeader));
  writeDuration(mediaHeader, HEADER_DURATION, mediaDuration);
  writeDuration(movieHeader, HEADER_DURATION, movieDuration);
  writeDuration(child(track, 'tkhd', fail).body, TRACK_DURATION, movieDuration);
  const edits = track.children?.find((atom) => atom.type === 'edts');
  if (edits) rewriteEditList(child(edits, 'elst', fail).body, movieDuration, fail);

  const stored = storedSampleOf.map((sample) => ({ offset: offsets[sample] as number, size: sizes[sample] as number }));
  const wide = stored.some((sample) => sample.offset > 0xffffffff);
  table.children = (table.children ?? [])
    .filter((atom) => atom.type === 'stsd')
    .concat([
      { type: 'stts', body: fullAtom([1, frames, delta]) },
      { type: 'stsc', body: fullAtom([1, 1, 1, 1]) },
      { type: 'stsz', body: fullAtom([0, frames, ...stored.map((sample) => sample.size)]) },
      wide ? { type: 'co64', body: chunkOffsets64(stored.map((sample) => sample.offset)) } : { type: 'stco', body: fullAtom([frames, ...stored.map((sample) => sample.offset)]) },
    ]);
}

/** The one edit ffmpeg writes (the whole media from its start) now spans the longer track. */
function rewriteEditList(body: Buffer, movieDuration: number, fail: (why: string) => never): void {
  const version = body.readUInt8(0);
  const entries = body.readUInt32BE(4);
  const mediaTime = version === 1 ? body.readBigInt64BE(16) : BigInt(body.readInt32BE(12));
  if (entries !== 1 || mediaTime !== 0n) fail('its edit list is not one edit from the start of the media');
  if (version === 1) body.writeBigUInt64BE(BigInt(movieDuration), 8);
  else body.writeUInt32BE(movieDuration, 8);
}

function sampleSizes(body: Buffer): number[] {
  const fixed = body.readUInt32BE(4);
  const count = body.readUInt32BE(8);
  return Array.from({ length: count }, (_, i) => (fixed !== 0 ? fixed : body.readUInt32BE(12 + 4 * i)));
}

/** Each sample's offset in the file, from its chunk's offset and the sizes of the samples before it in that chunk. */
function sampleOffsets(table: Atom, sizes: readonly number[], fail: (why: string) => never): number[] {
  const co64 = table.children?.find((atom) => atom.type === 'co64');
  const chunkTable = co64 ?? child(table, 'stco', fail);
  const chunks = chunkTable.body.readUInt32BE(4);
  const chunkOffset = (i: number): number => (co64 ? Number(chunkTable.body.readBigUInt64BE(8 + 8 * i)) : chunkTable.body.readUInt32BE(8 + 4 * i));
  const sampleToChunk = child(table, 'stsc', fail).body;
  const runs = sampleToChunk.readUInt32BE(4);
  const samples = sizes.length;
  const offsets: number[] = [];
  for (let run = 0; run < runs; run++) {
    const first = sampleToChunk.readUInt32BE(8 + 12 * run);
    const perChunk = sampleToChunk.readUInt32BE(12 + 12 * run);
    const end = run + 1 < runs ? sampleToChunk.readUInt32BE(8 + 12 * (run + 1)) : chunks + 1;
    for (let chunk = first; chunk < end; chunk++) {
      let offset = chunkOffset(chunk - 1);
      for (let i = 0; i < perChunk && offsets.length < samples; i++) {
        offsets.push(offset);
        offset += sizes[offsets.length - 1] as number;
      }
    }
  }
  if (offsets.length !== samples) fail(`its chunks hold ${offsets.length} samples, its sizes ${samples}`);
  return offsets;
}

function constantDelta(body: Buffer, samples: number, fail: (why: string) => never): number {
  const runs = body.readUInt32BE(4);
  const deltas = new Set<number>();
  let counted = 0;
  for (let run = 0; run < runs; run++) {
    counted += body.readUInt32BE(8 + 8 * run);
    deltas.add(body.readUInt32BE(12 + 8 * run));
  }
  if (deltas.size !== 1 || counted !== samples) fail('its samples do not all last the same time');
  return [...deltas][0] as number;
}

/**
 * Where a duration sits in a full atom's body (version and flags included): version 0 has 32-bit times, version 1
 * 64-bit ones. mvhd and mdhd share a layout (creation, modification, timescale, duration); tkhd has a track id and a
 * reserved word before its duration.
 */
const HEADER_DURATION = { v0: 16, v1: 24 };
const TRACK_DURATION = { v0: 20, v1: 28 };

/** mvhd's or mdhd's units per second: 32 bits in either version, after the creation and modification times. */
function timescale(header: Buffer): number {
  return header.readUInt32BE(header.readUInt8(0) === 1 ? 20 : 12);
}

function writeDuration(body: Buffer, at: { v0: number; v1: number }, value: number): void {
  if (body.readUInt8(0) === 1) body.writeBigUInt64BE(BigInt(value), at.v1);
  else body.writeUInt32BE(value, at.v0);
}

/** A full atom's body: version 0, no flags, then 32-bit fields. */
function fullAtom(fields: number[]): Buffer {
  const body = Buffer.alloc(4 + 4 * fields.length);
  fields.forEach((field, i) => body.writeUInt32BE(field, 4 + 4 * i));
  return body;
}

function chunkOffsets64(offsets: number[]): Buffer {
  const body = Buffer.alloc(8 + 8 * offsets.length);
  body.writeUInt32BE(offsets.length, 4);
  offsets.forEach((offset, i) => body.writeBigUInt64BE(BigInt(offset), 8 + 8 * i));
  return body;
}

function child(parent: Atom, type: string, fail: (why: string) => never): Atom {
  return parent.children?.find((atom) => atom.type === type) ?? fail(`no ${type} atom in ${parent.type}`);
}

async function readAt(file: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, offset);
  return buffer.subarray(0, bytesRead);
}

/** The top-level atom of `type`, which must be the file's last: the rewrite replaces it in place. */
async function findLastAtom(file: FileHandle, fileSize: number, type: string, fail: (why: string) => never): Promise<{ offset: number; size: number; headerBytes: number }> {
  let found: { offset: number; size: number; headerBytes: number } | undefined;
  for (let at = 0; at < fileSize; ) {
    const header = atomHeader(await readAt(file, at, 16), at, fileSize, fail);
    if (header.type === type) found = { offset: at, size: header.size, headerBytes: header.headerBytes };
    at += header.size;
  }
  if (!found) return fail(`it has no ${type} atom`);
  if (found.offset + found.size !== fileSize) fail(`its ${type} atom is not the last in the file`);
  return found;
}

/**
 * Codecs for clips between nodes, as data. Scenes travel as H.264 (small,
 * decodes everywhere); overlays that must keep transparency as ProRes 4444,
 * which ffmpeg's overlay filter and every NLE (for the exported timeline)
 * read with its alpha channel.
 */
export interface ClipCodec {
  extension: string;
  mime: string;
  args: readonly string[];
  alpha: boolean;
  /**
   * Decoding threads for a render piece reading this codec. H.264 decodes a frame a thread, and each frame thread
   * holds pictures of its own. ProRes decodes slices of one picture: a second thread sped up a piece decoding a whole
   * terminal block's region (4.3 → 3.8 s, +20 MB), but ProRes clips are now a transition's few frames or a loop read
   * once, where a second thread only holds more memory (a piece with both of a block's transitions and its static:
   * 365 → 345 MB).
   */
  decodeThreads: number;
  /**
   * Every frame is coded on its own, so a frame identical to the one before can be stored once and listed again
   * (mov-shared-samples.ts) instead of encoded again; an inter-frame codec's frames depend on their neighbours.
   */
  intraOnly: boolean;
}

export const clipCodecs = {
  h264: {
    extension: 'mp4',
    mime: 'video/mp4',
    alpha: false,
    decodeThreads: 1,
    intraOnly: false,
    // Intermediate quality: the final render re-encodes, so spend bits here rather than time.
    args: ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'],
  },
  prores4444: {
    extension: 'mov',
    mime: 'video/quicktime',
    alpha: true,
    decodeThreads: 1,
    intraOnly: true,
    // A fixed quantiser: prores_ks's default rate control is ~6× slower; q 4 stays visually lossless (~60 dB PSNR) and is ~20 % smaller than q 2.
    args: ['-c:v', 'prores_ks', '-profile:v', '4444', '-pix_fmt', 'yuva444p10le', '-vendor', 'apl0', '-qscale:v', '4'],
  },
} as const satisfies Record<string, ClipCodec>;

export type ClipCodecName = keyof typeof clipCodecs;

/** Decoding threads for a clip of this MIME type: its codec's, or one for media no clip codec made. */
export function decodeThreadsFor(mime: string): number {
  return Object.values(clipCodecs as Record<string, ClipCodec>).find((codec) => codec.mime === mime)?.decodeThreads ?? 1;
}

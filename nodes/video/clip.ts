/** Storing a rendered clip as a `VideoClip` port value. */
import type { ArtifactStore, PieceEncoding, VideoClip } from '../../runtime/contract/index.js';
import { clipCodecs, type ClipCodecName } from './codecs.js';
import { frameCountOf, type VideoFormat } from './profiles.js';

/** The contract's VideoClip, by the name the scene nodes and their tests use. */
export type VideoClipValue = VideoClip;

export interface StoreClipOptions {
  format: VideoFormat;
  duration: number;
  codec: ClipCodecName;
  name: string;
  sceneId?: string;
  provider?: string;
  /** Encoded as render pieces are (see piece-encoding.ts). */
  encoding?: PieceEncoding;
}

/**
 * Moves a finished clip into the store. Duration is stated as frames ÷ fps —
 * the exact value the encoder was told to produce — rather than the
 * container's rounded figure.
 */
export async function storeClip(artifacts: ArtifactStore, path: string, options: StoreClipOptions): Promise<VideoClipValue> {
  const { format } = options;
  const duration = frameCountOf(options.duration, format.fps) / format.fps;
  const handle = await artifacts.put(
    { path },
    { mime: clipCodecs[options.codec].mime, name: options.name, move: true, meta: { duration, width: format.width, height: format.height, frameRate: format.fps } },
  );
  // The stated duration is the one the store was given (`meta` wins over probing); spelt out, as a VideoClip has one.
  return { ...handle, duration, ...(options.sceneId ? { sceneId: options.sceneId } : {}), ...(options.provider ? { provider: options.provider } : {}), ...(options.encoding ? { encoding: options.encoding } : {}) };
}

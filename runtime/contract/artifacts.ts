/**
 * Media travels by reference: a handle names content in the artifact store by
 * its SHA-256. Implementations: a local/shared filesystem root now, S3 later.
 */
import { Type, type Static } from './typebox.js';

/** What probing tells about a media file (absent where it does not apply, e.g. no duration for a still). */
const mediaMetadataProperties = {
  duration: Type.Optional(Type.Number({ minimum: 0, description: 'seconds' })),
  width: Type.Optional(Type.Integer({ minimum: 1 })),
  height: Type.Optional(Type.Integer({ minimum: 1 })),
  frameRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'frames per second' })),
  sampleRate: Type.Optional(Type.Integer({ minimum: 1 })),
  channels: Type.Optional(Type.Integer({ minimum: 1 })),
};
export const mediaMetadata = Type.Object(mediaMetadataProperties);
export type MediaMetadata = Static<typeof mediaMetadata>;

/** A reference to content in the artifact store: what File, Audio, Video and Image ports carry. */
export const artifactHandle = Type.Object({
  hash: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the bytes, lowercase hex' }),
  mime: Type.String({ minLength: 1 }),
  bytes: Type.Integer({ minimum: 0 }),
  name: Type.Optional(Type.String({ description: 'original or suggested file name, for downloads and exports' })),
  ...mediaMetadataProperties,
});
export type ArtifactHandle = Static<typeof artifactHandle>;

export type ArtifactSource = { path: string } | { data: Uint8Array | string };

export interface PutOptions {
  mime: string;
  name?: string;
  /** Skip ffprobe even for media types (the caller knows the metadata). */
  probe?: boolean;
  /** Metadata the caller already knows; merged over probed values. */
  meta?: Partial<Omit<ArtifactHandle, 'hash' | 'bytes'>>;
  /** Remove the source file after storing it (a move when possible). */
  move?: boolean;
}

export interface ArtifactStore {
  put(source: ArtifactSource, options: PutOptions): Promise<ArtifactHandle>;
  has(hash: string): Promise<boolean>;
  /** A local file path holding the content (downloaded first by remote stores). */
  localPath(handle: Pick<ArtifactHandle, 'hash'>): Promise<string>;
  read(handle: Pick<ArtifactHandle, 'hash'>): Promise<Uint8Array>;
}

const HASH = /^[0-9a-f]{64}$/;

export function isArtifactHandle(value: unknown): value is ArtifactHandle {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.hash === 'string' && HASH.test(v.hash) && typeof v.mime === 'string' && typeof v.bytes === 'number';
}

/**
 * Every artifact handle inside a port value (values are small JSON trees),
 * those a handle carries included: a video its stems, a mix its delivery encode.
 */
export function collectArtifactHandles(value: unknown, found: ArtifactHandle[] = []): ArtifactHandle[] {
  if (isArtifactHandle(value)) found.push(value);
  if (Array.isArray(value)) {
    for (const element of value) collectArtifactHandles(element, found);
  } else if (typeof value === 'object' && value !== null) {
    for (const element of Object.values(value)) collectArtifactHandles(element, found);
  }
  return found;
}

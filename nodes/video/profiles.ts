/**
 * Render profiles as data: the picture every scene, overlay and final render
 * of a run conforms to. Scene and overlay nodes take a `profile` param (with
 * optional explicit overrides) so a 9:16 series variant changes one value.
 */
import { Type, type Static } from '../../runtime/contract/index.js';

export interface VideoFormat {
  width: number;
  height: number;
  /** Frames per second (constant). */
  fps: number;
}

export interface RenderProfile extends VideoFormat {
  title: string;
  aspect: string;
  /**
   * The final encode: x264 speed/quality trade-off, a keyframe every
   * `keyframeSeconds` (render pieces are cut on that grid; YouTube accepts any
   * closed GOP), and the AAC bitrate.
   */
  encode: { preset: string; crf: number; keyframeSeconds: number; audioBitrate: string };
  /** Final mix target: integrated LUFS and true-peak ceiling (dBTP). */
  loudness: { integrated: number; truePeak: number };
  /**
   * Drawn pictures (procedural scenes) are drawn at this fraction of the
   * picture and scaled up while encoding: drawing cost follows the pixels,
   * and a preview is for judging timing and content, not texture.
   */
  drawScale: number;
}

/** Every profile's keyframe interval: render pieces are cut on it, so edits re-encode whole 2 s GOPs at most. */
export const KEYFRAME_SECONDS = 2;

const publish = { encode: { preset: 'veryfast', crf: 18, keyframeSeconds: KEYFRAME_SECONDS, audioBitrate: '192k' }, loudness: { integrated: -14, truePeak: -1 }, drawScale: 0.75 };
/** Previews: a fast encode at a smaller size, the same loudness as what gets published. */
const preview = { fps: 30, encode: { preset: 'superfast', crf: 24, keyframeSeconds: KEYFRAME_SECONDS, audioBitrate: '128k' }, loudness: publish.loudness, drawScale: 0.5 };

export const renderProfiles = {
  'youtube-1080p': { title: 'YouTube 1080p (16:9)', aspect: '16:9', width: 1920, height: 1080, fps: 30, ...publish },
  'shorts-1080x1920': { title: 'Shorts / Reels / TikTok (9:16)', aspect: '9:16', width: 1080, height: 1920, fps: 30, ...publish },
  'preview-720p': { title: 'Preview 720p (16:9, fast)', aspect: '16:9', width: 1280, height: 720, ...preview },
  // A Short previewed at 720p must stay upright: the same 9:16 picture as shorts-1080x1920, smaller.
  'preview-720x1280': { title: 'Preview Shorts 720×1280 (9:16, fast)', aspect: '9:16', width: 720, height: 1280, ...preview },
} as const satisfies Record<string, RenderProfile>;

export type RenderProfileName = keyof typeof renderProfiles;

export const renderProfileNames = Object.keys(renderProfiles) as RenderProfileName[];

export const DEFAULT_PROFILE: RenderProfileName = 'youtube-1080p';

/** Params every picture-making node shares; spread into its `nodeParams` (one definition: schema and type). */
export const formatParams = {
  profile: Type.Unsafe<RenderProfileName>({
    type: 'string',
    title: 'Render profile',
    enum: renderProfileNames,
    default: DEFAULT_PROFILE,
    description: 'Picture size and frame rate: youtube-1080p 1920×1080, shorts-1080x1920 1080×1920, preview-720p 1280×720, preview-720x1280 (a Short’s preview) 720×1280, all 30 fps.',
  }),
  width: Type.Optional(Type.Integer({ title: 'Width (override)', minimum: 16, maximum: 7680, multipleOf: 2 })),
  height: Type.Optional(Type.Integer({ title: 'Height (override)', minimum: 16, maximum: 4320, multipleOf: 2 })),
  fps: Type.Optional(Type.Number({ title: 'Frame rate (override)', exclusiveMinimum: 0, maximum: 120 })),
};
export type FormatParams = Static<ReturnType<typeof Type.Object<typeof formatParams>>>;

/** The profile's format with any explicit overrides applied. */
export function resolveFormat(params: FormatParams): VideoFormat {
  const profile = renderProfiles[params.profile] ?? renderProfiles[DEFAULT_PROFILE];
  return { width: params.width ?? profile.width, height: params.height ?? profile.height, fps: params.fps ?? profile.fps };
}

/** Whole frames in `duration` seconds: a clip is exactly this many frames long. */
export function frameCountOf(duration: number, fps: number): number {
  return Math.max(1, Math.round(duration * fps));
}

/** For nodes downstream of a timeline: the profile named in params, else the one the timeline was laid out for. */
export const inheritedProfileParam = (description = 'Default: the timeline’s profile.') =>
  Type.Optional(Type.Unsafe<RenderProfileName>({ type: 'string', title: 'Render profile (override)', enum: renderProfileNames, description }));

export function inheritedProfile(param: string | undefined, timeline: { profile?: string }): RenderProfile {
  const name = param ?? timeline.profile;
  return name !== undefined && name in renderProfiles ? renderProfiles[name as RenderProfileName] : renderProfiles[DEFAULT_PROFILE];
}

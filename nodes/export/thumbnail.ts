/**
 * The video's thumbnail: a frame of the render at YouTube's size for its
 * aspect, optionally made a title card (episode title, series and number
 * over a darkening gradient). Always a JPEG under YouTube's 2 MB limit.
 *
 * The title face is Inter (SIL OFL 1.1) from @fontsource/inter, so the card
 * looks the same on every machine; DejaVu Sans, installed system-wide, covers
 * what Inter's Latin subsets lack.
 */
import { createRequire } from 'node:module';
import { GlobalFonts, createCanvas, loadImage, type SKRSContext2D } from '../video/canvas.js';
import { PermanentError } from '../../runtime/contract/index.js';
import { ffmpegPath, runTool } from '../../runtime/media/binaries.js';
import { fitFilter } from '../video/conform.js';

export interface Size {
  width: number;
  height: number;
}

/** YouTube's recommended thumbnail sizes: portrait videos (Shorts) get a portrait one, the rest 16:9. */
const thumbnailSizes: Array<{ portrait: boolean; size: Size }> = [
  { portrait: false, size: { width: 1280, height: 720 } },
  { portrait: true, size: { width: 1080, height: 1920 } },
];

export function thumbnailSize(video: Size): Size {
  const portrait = video.height > video.width;
  return thumbnailSizes.find((entry) => entry.portrait === portrait)!.size;
}

/** YouTube refuses thumbnails over 2 MB. */
export const MAX_THUMBNAIL_BYTES = 2 * 1024 * 1024;

export interface TitleCard {
  title: string;
  series?: string;
  episode?: string | number;
}

export interface ThumbnailOptions {
  /** Seconds into the video. */
  time: number;
  /** Duration of the video, to refuse a time past its end with a clear error. */
  duration: number;
  size: Size;
  titleCard?: TitleCard;
  signal: AbortSignal;
  /** For error messages: the param that chose the time. */
  param?: string;
}

const FONT_FAMILY = 'ReelgraphInter';
const FALLBACK = '"DejaVu Sans", sans-serif';

const fontFiles = ['latin-400', 'latin-ext-400', 'latin-800', 'latin-ext-800'].map((subset) => `@fontsource/inter/files/inter-${subset}-normal.woff2`);

let fontsRegistered = false;

function registerFonts(): void {
  if (fontsRegistered) return;
  const require = createRequire(import.meta.url);
  for (const file of fontFiles) GlobalFonts.registerFromPath(require.resolve(file), FONT_FAMILY);
  fontsRegistered = true;
}

/** One frame of the video, scaled and cropped to `size`, as PNG bytes. */
export async function grabFrame(video: string, options: Omit<ThumbnailOptions, 'titleCard'>): Promise<Buffer> {
  const { time, duration, size } = options;
  if (!(time >= 0 && time < duration)) {
    throw new PermanentError(`thumbnail time ${time} s is outside the video (0–${duration} s)`, { location: { param: options.param ?? '/thumbnailTime', file: video } });
  }
  const { stdout } = await runTool(
    ffmpegPath(),
    // fitFilter reads only the size.
    ['-hide_banner', '-nostats', '-loglevel', 'error', '-ss', String(time), '-i', video, '-frames:v', '1', '-vf', `${fitFilter({ ...size, fps: 1 }, 'cover')},setsar=1`, '-f', 'image2pipe', '-c:v', 'png', 'pipe:1'],
    { signal: options.signal, timeoutMs: 60_000, location: { file: video } },
  );
  if (stdout.length === 0) throw new PermanentError(`no frame at ${time} s of the video`, { location: { param: options.param ?? '/thumbnailTime', file: video } });
  return stdout;
}

/** Lines of at most `width` pixels, breaking at spaces (and inside a word too long for a line). */
function wrap(context: SKRSContext2D, text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (context.measureText(candidate).width <= width) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    line = '';
    for (const char of word) {
      if (context.measureText(line + char).width > width && line) {
        lines.push(line);
        line = '';
      }
      line += char;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** The largest size (down to a floor) at which the title fits in `maxLines`; past the floor, the last line ends in an ellipsis. */
function fitTitle(context: SKRSContext2D, title: string, width: number, startSize: number, maxLines: number): { lines: string[]; size: number } {
  for (let size = startSize; ; size = Math.floor(size * 0.9)) {
    context.font = `800 ${size}px ${FONT_FAMILY}, ${FALLBACK}`;
    const lines = wrap(context, title, width);
    if (lines.length <= maxLines) return { lines, size };
    if (size * 0.9 < startSize * 0.45) {
      const kept = lines.slice(0, maxLines);
      let last = kept[maxLines - 1]!;
      while (last && context.measureText(`${last}…`).width > width) last = last.slice(0, -1);
      kept[maxLines - 1] = `${last.trimEnd()}…`;
      return { lines: kept, size };
    }
  }
}

// No colour emoji font ships with the project: an emoji would draw as a "no glyph" box.
const drawable = (text: string): string =>
  text
    .replace(/[\p{Extended_Pictographic}\u{FE0F}\u{200D}]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();

const kicker = (card: TitleCard): string =>
  [card.series && drawable(card.series), card.episode !== undefined && String(card.episode).trim() ? `Episode ${String(card.episode).trim()}` : undefined].filter(Boolean).join(' · ').toUpperCase();

/** Draws the title card over the frame: darkened towards the bottom, where the text sits. */
function drawTitleCard(context: SKRSContext2D, size: Size, card: TitleCard): void {
  registerFonts();
  const gradient = context.createLinearGradient(0, size.height * 0.25, 0, size.height);
  gradient.addColorStop(0, 'rgba(0, 0, 0, 0.05)');
  gradient.addColorStop(0.55, 'rgba(0, 0, 0, 0.6)');
  gradient.addColorStop(1, 'rgba(0, 0, 0, 0.9)');
  context.fillStyle = gradient;
  context.fillRect(0, 0, size.width, size.height);

  const margin = Math.round(size.width * 0.06);
  const textWidth = size.width - 2 * margin;
  const base = Math.min(size.width, size.height);
  const { lines, size: titleSize } = fitTitle(context, drawable(card.title), textWidth, Math.round(base * 0.15), 3);
  const lineHeight = Math.round(titleSize * 1.08);
  const bottom = size.height - Math.round(size.height * 0.08);

  context.textBaseline = 'alphabetic';
  context.shadowColor = 'rgba(0, 0, 0, 0.7)';
  context.shadowBlur = Math.round(titleSize * 0.15);
  context.fillStyle = '#ffffff';
  context.font = `800 ${titleSize}px ${FONT_FAMILY}, ${FALLBACK}`;
  lines.forEach((line, i) => context.fillText(line, margin, bottom - (lines.length - 1 - i) * lineHeight));

  const label = kicker(card);
  if (label) {
    const labelSize = Math.round(titleSize * 0.32);
    context.font = `400 ${labelSize}px ${FONT_FAMILY}, ${FALLBACK}`;
    context.fillStyle = '#ffd23f';
    context.fillText(label, margin, bottom - (lines.length - 1) * lineHeight - titleSize - Math.round(labelSize * 0.6), textWidth);
  }
}

/** Qualities to try, best first, until the JPEG fits YouTube's limit. */
const jpegQualities = [90, 80, 70, 55, 40];

/** The thumbnail as JPEG bytes. */
export async function renderThumbnail(video: string, options: ThumbnailOptions): Promise<Buffer> {
  const frame = await grabFrame(video, options);
  const canvas = createCanvas(options.size.width, options.size.height);
  const context = canvas.getContext('2d');
  context.drawImage(await loadImage(frame), 0, 0, options.size.width, options.size.height);
  if (options.titleCard) drawTitleCard(context, options.size, options.titleCard);
  for (const quality of jpegQualities) {
    const jpeg = await canvas.encode('jpeg', quality);
    if (jpeg.length <= MAX_THUMBNAIL_BYTES) return jpeg;
  }
  throw new PermanentError(`thumbnail stays over ${MAX_THUMBNAIL_BYTES} bytes even at JPEG quality ${jpegQualities.at(-1)}`, { location: { file: video } });
}

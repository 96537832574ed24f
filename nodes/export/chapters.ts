/**
 * YouTube chapters for the video description: `0:00 Title` lines. YouTube
 * shows them only when the first starts at 0:00, there are at least three,
 * and each lasts at least ten seconds; it reads whole seconds. Short
 * chapters take in the next one (and a warning says which); when
 * fewer than three remain there are no chapters at all.
 */
import type { Timeline } from '../../runtime/contract/index.js';

export interface Chapter {
  /** Whole seconds, as YouTube reads them. */
  start: number;
  title: string;
}

export interface ChapterRules {
  minChapters: number;
  /** Seconds. */
  minLength: number;
}

export const youtubeRules: ChapterRules = { minChapters: 3, minLength: 10 };

export interface ChapterResult {
  /** Null when the rules cannot be met. */
  chapters: Chapter[] | null;
  /** The description lines, or null with `chapters`. */
  text: string | null;
  warnings: string[];
}

/** `m:ss`, or `h:mm:ss` from an hour on. */
export function formatTimestamp(seconds: number): string {
  const whole = Math.floor(seconds);
  const [h, m, s] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A title on one line: YouTube ends a chapter title at the line break. */
const oneLine = (title: string): string => title.replace(/\s+/g, ' ').trim();

/** Where chapters start: the timeline's named markers when it has them (they are chosen), else its scenes. */
export function chapterPoints(timeline: Timeline): Array<{ time: number; title: string }> {
  const points = timeline.markers.length > 0 ? timeline.markers.map((marker) => ({ time: marker.time, title: marker.name })) : timeline.scenes.map((scene) => ({ time: scene.start, title: scene.title }));
  return points.sort((a, b) => a.time - b.time);
}

export function youtubeChapters(points: ReadonlyArray<{ time: number; title: string }>, duration: number, rules: ChapterRules = youtubeRules): ChapterResult {
  const warnings: string[] = [];
  const end = Math.floor(duration);
  const chapters: Chapter[] = points
    .map((point, index) => ({ start: Math.floor(point.time), title: oneLine(point.title) || `Part ${index + 1}` }))
    .filter((chapter) => chapter.start < end);
  if (chapters.length > 0 && chapters[0]!.start > 0) {
    warnings.push(`chapter "${chapters[0]!.title}" moved from ${formatTimestamp(chapters[0]!.start)} to 0:00: YouTube's first chapter starts there`);
    chapters[0]!.start = 0;
  }
  // Two points in the same second leave the later one only.
  for (let i = chapters.length - 1; i > 0; i--) {
    if (chapters[i]!.start === chapters[i - 1]!.start) {
      warnings.push(`chapter "${chapters[i - 1]!.title}" dropped: it starts in the same second as "${chapters[i]!.title}"`);
      chapters.splice(i - 1, 1);
    }
  }
  const length = (i: number): number => (chapters[i + 1]?.start ?? end) - chapters[i]!.start;
  for (;;) {
    let shortest = -1;
    for (let i = 0; i < chapters.length; i++) {
      if (length(i) < rules.minLength && (shortest < 0 || length(i) < length(shortest))) shortest = i;
    }
    if (shortest < 0 || chapters.length < 2) break;
    // A short chapter takes in the one after it (its start and title stay right); the last joins the one before.
    const dropped = shortest === chapters.length - 1 ? shortest : shortest + 1;
    const into = dropped - 1;
    warnings.push(`chapter "${chapters[dropped]!.title}" merged into "${chapters[into]!.title}": chapters last at least ${rules.minLength} s`);
    chapters.splice(dropped, 1);
  }
  if (chapters.length < rules.minChapters || chapters.some((_, i) => length(i) < rules.minLength)) {
    warnings.push(`no chapters: YouTube needs at least ${rules.minChapters} of at least ${rules.minLength} s, and this video has room for ${chapters.length}`);
    return { chapters: null, text: null, warnings };
  }
  return { chapters, text: `${chapters.map((chapter) => `${formatTimestamp(chapter.start)} ${chapter.title}`).join('\n')}\n`, warnings };
}

/** SubRip (.srt): numbered cues, `HH:MM:SS,mmm` times, the lines as they are. */
import { clock, timedCues, type Subtitles } from './format.js';

/**
 * SubRip has no escapes, yet players read `<i>`-style tags, ASS override
 * blocks (`{\an8}`) and, in a cue's text, `-->` as structure. A word joiner
 * (invisible, and kept when the text is copied) placed inside each such
 * sequence makes it plain text again.
 */
const DEFUSE: ReadonlyArray<RegExp> = [/(?<=-)(?=>)/g, /(?<=<)(?=[\p{L}/])/gu, /(?<=\{)(?=\\)/g];
const WORD_JOINER = '\u2060';

const defuse = (line: string): string => DEFUSE.reduce((text, pattern) => text.replace(pattern, WORD_JOINER), line);

export function toSrt(subtitles: Subtitles): string {
  return timedCues(subtitles, 1000)
    .map(({ index, start, end, lines }) => `${index + 1}\n${clock(start, 1000, ',', 2)} --> ${clock(end, 1000, ',', 2)}\n${lines.map(defuse).join('\n')}\n`)
    .join('\n');
}

/** Caption writers for export and burn-in: the Subtitles port value in, file text out. */
export { toSrt } from './srt.js';
export { toVtt, type VttCueSettings, type VttOptions } from './vtt.js';
export { assFilter, assStyles, captionFontsDir, highlightModes, toAss, type AssOptions, type AssStyleName, type HighlightMode } from './ass.js';
export { buildCues, defaultCueRules, type CueRules } from './cues.js';
export type { CaptionWord, Cue, Subtitles } from './format.js';

/**
 * Scene analysis: what the visual nodes need to know about a scene (its
 * `SceneBrief`), and the episode-wide text statistics of `Script.analysis`.
 *
 * How it reads a scene: the text is split into word tokens (tokens.ts) and
 * each brief field is looked up in a vocabulary table (vocabulary.ts) by a
 * matcher (match.ts); compromise supplies what tables cannot: part of speech
 * and named places. Where each part lives:
 * - brief.ts: `sceneBrief`, one scene's brief;
 * - text-stats.ts: `analyzeText`, sentence and word counts, places and times;
 * - sentences.ts: the sentence splitter both use;
 * - text-input.ts: untyped lists as strings, cut to a character budget.
 *
 * Analysis stays roughly linear on any input (the limits are in brief.ts and
 * text-stats.ts). Nothing here throws: a failure inside compromise leaves the
 * affected field empty rather than failing the script.
 */
export { MAX_SCENE_CHARS, sceneBrief, type BriefInput } from './brief.js';
export { analyzeText } from './text-stats.js';
export { settingMotifs, type SettingMotif } from './vocabulary.js';

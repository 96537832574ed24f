/**
 * Bracket cues (`[pause 2s]`, `[glitch]`, `[sfx: door slam]`) and screenplay
 * transitions (`CUT TO:`), as a table of patterns. Unknown cues are kept —
 * an overlay may know them — and reported as warnings.
 */
import type { Cue } from '../../../runtime/contract/index.js';

interface CueRule {
  pattern: RegExp;
  read: (match: RegExpExecArray, raw: string) => Cue;
}

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, sec: 1, secs: 1, second: 1, seconds: 1 };

export const cueRules: CueRule[] = [
  {
    pattern: /^pause(?:\s*[:=]?\s*(\d{1,4}(?:\.\d{1,3})?)\s*(ms|s|secs?|seconds?)?)?$/i,
    read: (m, raw) => ({ type: 'pause', seconds: m[1] ? Number(m[1]) * (UNIT_SECONDS[(m[2] ?? 's').toLowerCase()] ?? 1) : 1, raw }),
  },
  { pattern: /^(?:beat|silence)$/i, read: (_m, raw) => ({ type: 'pause', seconds: 1, raw }) },
  { pattern: /^glitch$/i, read: (_m, raw) => ({ type: 'glitch', raw }) },
  { pattern: /^(?:sfx|sound)\s*:\s*\S/i, read: (_m, raw) => ({ type: 'sfx', raw }) },
  { pattern: /^music\s*:\s*\S/i, read: (_m, raw) => ({ type: 'music', raw }) },
  {
    pattern: /^(?:(?:smash |match |jump )?cut to|dissolve to|fade (?:in|out|to black)|wipe to|back to)\b.*$/i,
    read: (_m, raw) => ({ type: 'transition', raw }),
  },
  // Any other screenplay transition: upper case, ending in `TO:` or `OUT.` (`BURN TO WHITE.` also reads as one).
  { pattern: /^[\p{Lu}\p{N}\s.'’-]+(?:\bTO:|\bTO [\p{Lu}\s]+\.?|\bOUT\.?)$/u, read: (_m, raw) => ({ type: 'transition', raw }) },
];

export function readCue(raw: string): { cue: Cue; known: boolean } {
  const text = raw.trim();
  for (const rule of cueRules) {
    const match = rule.pattern.exec(text);
    if (match) return { cue: rule.read(match, text), known: true };
  }
  const word = /^[\p{L}\p{N}_-]+/u.exec(text)?.[0]?.toLowerCase() ?? 'unknown';
  return { cue: { type: word, raw: text }, known: false };
}

/**
 * What a parser (markdown or Fountain) hands to the script builder: the
 * writer's structure with source lines, before names are merged, speech is
 * normalised, ids are assigned, scenes are analysed and time is estimated.
 */
import type { ScriptWarning } from '../../../runtime/contract/index.js';

export interface ParsedDirection {
  /** Plain text (markdown emphasis and `Visual:` prefixes removed). */
  text: string;
  line: number;
}

export interface ParsedImage {
  description: string;
  path: string;
  line: number;
}

/**
 * Where a later source line of a spoken block begins in its `text` (the
 * first line is the block's `line`), so a long block cut into several
 * segments gives each the line it starts on.
 */
export interface LineStart {
  offset: number;
  line: number;
}

export type ParsedBlock =
  | {
      kind: 'dialogue';
      /** The name exactly as written (without `**`, colon, `>`), e.g. `Dr. Kael`, `KAEL (V.O.)` stripped to `KAEL`. */
      speaker: string;
      /** Without parentheses: `whispering`, `V.O.`. */
      parenthetical?: string;
      /** The spoken text with inline markdown still in it (the builder strips it). */
      text: string;
      line: number;
      lineStarts?: LineStart[];
    }
  | { kind: 'narration'; text: string; line: number; lineStarts?: LineStart[] }
  | { kind: 'terminal'; lines: string[]; line: number }
  | { kind: 'cue'; raw: string; line: number };

export interface ParsedScene {
  /** The heading text; for a script without headings, the episode title or `Scene 1`. */
  title: string;
  line: number;
  /** Screenplay slug line parts when the heading was one (`INT. SERVER ROOM - NIGHT`). */
  slug?: { interior?: boolean; location: string; time?: string };
  directions: ParsedDirection[];
  images: ParsedImage[];
  blocks: ParsedBlock[];
}

export interface ParsedDocument {
  format: 'markdown' | 'fountain';
  /** Front matter / title page, as written (keys lower-cased for the title page). */
  meta: Record<string, unknown>;
  /** The `#` heading or the title page title. */
  title?: string;
  scenes: ParsedScene[];
  warnings: ScriptWarning[];
  /** Number of lines in the source. */
  lines: number;
}

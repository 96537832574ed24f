/**
 * The timeline of a terminal block: where every cell sits on the grid and
 * when it appears. A prompt line shows its prompt at once and then types its
 * command keystroke by keystroke; an output line is printed whole. Keystroke
 * intervals carry human-like jitter (uneven rhythm, slower after spaces and
 * punctuation, the odd hesitation) from a PRNG seeded by the segment id, so
 * the same block always types the same way. The jitter redistributes each
 * command's time without changing its total, so the pace stays the script's.
 */
import type { TerminalLine } from '../../../runtime/contract/index.js';
import { parseAnsi, type Cell } from './ansi.js';
import { mulberry32 } from '../../../runtime/util/random.js';
import { seedOf } from './random.js';

export interface TypingSettings {
  charactersPerSecond: number;
  /** 0 types like a metronome; 1 like a nervous human. */
  jitter: number;
  /** Pause after a command's last keystroke before the next line. */
  enterSeconds: number;
  /** Time each output line holds before the next one. */
  outputLineSeconds: number;
  seed: string;
}

export interface PlacedCell extends Cell {
  row: number;
  col: number;
}

export interface CursorMove {
  at: number;
  row: number;
  col: number;
}

export interface Timeline {
  columns: number;
  /** Cells in the order they appear. */
  cells: PlacedCell[];
  /** Appearance time of each cell, non-decreasing, in seconds from the start of typing. */
  times: Float64Array;
  /** Where the cursor is from each moment on, non-decreasing. */
  cursor: CursorMove[];
  /** When the last line is done (the rest of the block is the hold). */
  end: number;
  /** When each command character is typed, when each command is entered and when each output line is printed (for sound). */
  keys: number[];
  enters: number[];
  prints: number[];
}

/** Multipliers on the mean keystroke interval, by what was just typed. */
const RHYTHM = [
  { test: /\s/u, factor: 1.6 },
  { test: /[-_./:=|]/u, factor: 1.3 },
  { test: /[A-Z0-9"'@#%&*()[\]{}<>]/u, factor: 1.2 },
];
const HESITATION = { probability: 0.06, factor: 3.5 };

/** Keystroke intervals for `cells`: jittered around 1/cps, scaled so they sum to exactly cells/cps. */
function keystrokeIntervals(cells: Cell[], settings: TypingSettings, random: () => number): number[] {
  const raw = cells.map((_cell, i) => {
    // Box–Muller: a normal deviate for a log-normal rhythm.
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    const previous = cells[i - 1]?.ch ?? '';
    const context = RHYTHM.find((r) => r.test.test(previous))?.factor ?? 1;
    const hesitation = random() < HESITATION.probability * settings.jitter ? HESITATION.factor : 1;
    return Math.exp(settings.jitter * 0.45 * normal) * (1 + (context - 1) * settings.jitter) * hesitation;
  });
  const total = raw.reduce((a, b) => a + b, 0);
  const scale = cells.length / settings.charactersPerSecond / (total || 1);
  return raw.map((r) => r * scale);
}

/** The part of a prompt line before its command, as written (prompt plus separator). */
function promptText(line: TerminalLine): string {
  const command = line.command ?? '';
  return line.text.endsWith(command) ? line.text.slice(0, line.text.length - command.length) : `${line.prompt ?? ''} `;
}

/**
 * For each cell that starts a word (a non-space after a space or the line's
 * start), the word's length in cells; 0 elsewhere. Rows wrap at word
 * boundaries, as a reader expects ("correct horse / battery staple").
 */
export function wordLengths(cells: Cell[], before?: Cell): number[] {
  const lengths = new Array<number>(cells.length).fill(0);
  for (let i = 0; i < cells.length; i++) {
    const previous = i > 0 ? cells[i - 1] : before;
    if (cells[i]!.ch === ' ' || (previous && previous.ch !== ' ')) continue;
    let end = i;
    while (end < cells.length && cells[end]!.ch !== ' ') end++;
    lengths[i] = end - i;
  }
  return lengths;
}

export function buildTimeline(lines: TerminalLine[], columns: number, settings: TypingSettings): Timeline {
  const random = mulberry32(seedOf(settings.seed));
  const cells: PlacedCell[] = [];
  const times: number[] = [];
  const cursor: CursorMove[] = [{ at: 0, row: 0, col: 0 }];
  let row = 0;
  let col = 0;
  let t = 0;
  let lastPrompt: Cell[] | undefined;
  const keys: number[] = [];
  const enters: number[] = [];
  const prints: number[] = [];

  const place = (cell: Cell, at: number, word = 0): void => {
    if (col >= columns) {
      [row, col] = [row + 1, 0];
      // A space the wrap carries to the next row is not shown there: the next word starts at its column.
      if (cell.ch === ' ') {
        cells.push({ ...cell, row, col });
        times.push(at);
        return;
      }
    } else if (word > 0 && col > 0 && col + word > columns && word <= columns) {
      // Wrap before a word that would not fit the rest of the row; a word longer than a row breaks where it must.
      [row, col] = [row + 1, 0];
    }
    cells.push({ ...cell, row, col });
    times.push(at);
    col += 1;
  };
  const moveCursor = (at: number): void => {
    const wrapped = col >= columns ? { row: row + 1, col: 0 } : { row, col };
    cursor.push({ at, ...wrapped });
  };
  const newLine = (at: number): void => {
    [row, col] = [row + 1, 0];
    cursor.push({ at, row, col });
  };

  for (const [index, line] of lines.entries()) {
    if (index > 0) newLine(t);
    if (line.command !== undefined) {
      const prompt = parseAnsi(promptText(line));
      const command = parseAnsi(line.command, { style: prompt.style, startColumn: prompt.cells.length });
      lastPrompt = prompt.cells;
      const promptWords = wordLengths(prompt.cells);
      for (const [i, cell] of prompt.cells.entries()) place(cell, t, promptWords[i]);
      moveCursor(t);
      const commandWords = wordLengths(command.cells, prompt.cells.at(-1));
      for (const [i, interval] of keystrokeIntervals(command.cells, settings, random).entries()) {
        t += interval;
        place(command.cells[i] as Cell, t, commandWords[i]);
        moveCursor(t);
        keys.push(t);
      }
      // Return is pressed a moment after the last keystroke, well before the next line shows.
      enters.push(t + Math.min(0.12, settings.enterSeconds / 2));
      t += settings.enterSeconds;
    } else {
      const output = parseAnsi(line.text).cells;
      const words = wordLengths(output);
      for (const [i, cell] of output.entries()) place(cell, t, words[i]);
      moveCursor(t);
      if (output.length > 0) prints.push(t);
      t += settings.outputLineSeconds;
    }
  }
  const end = t;
  // Ready for the next command: a fresh prompt (when the block used one) with the cursor after it.
  if (lines.length > 0) newLine(end);
  if (lastPrompt) {
    for (const cell of lastPrompt) place(cell, end);
    moveCursor(end);
  }
  return { columns, cells, times: Float64Array.from(times), cursor, end, keys, enters, prints };
}

/** How many entries of a non-decreasing sequence are ≤ t. */
function countUpTo(length: number, at: (i: number) => number, t: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at(mid) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Cells visible at `t`. */
export function visibleCount(timeline: Timeline, t: number): number {
  return countUpTo(timeline.times.length, (i) => timeline.times[i] as number, t);
}

/** The cursor move in force at `t`. */
export function cursorAt(timeline: Timeline, t: number): CursorMove {
  const { cursor } = timeline;
  return cursor[Math.max(0, countUpTo(cursor.length, (i) => (cursor[i] as CursorMove).at, t) - 1)] as CursorMove;
}

/** Blink state: solid for half a period after each move (typing keeps it lit), then on/off at `hz`; 0 Hz never blinks. */
export function cursorOn(move: CursorMove, t: number, hz: number): boolean {
  if (hz <= 0) return true;
  const period = 1 / hz;
  return (t - move.at) % period < period / 2;
}

/** The same timeline with every time multiplied by `factor` and shifted by `offset` (to fit the block's slot). */
export function retime(timeline: Timeline, factor: number, offset: number): Timeline {
  return {
    ...timeline,
    times: timeline.times.map((time) => offset + time * factor),
    cursor: timeline.cursor.map((move, i) => ({ ...move, at: i === 0 ? 0 : offset + move.at * factor })),
    end: offset + timeline.end * factor,
    keys: timeline.keys.map((time) => offset + time * factor),
    enters: timeline.enters.map((time) => offset + time * factor),
    prints: timeline.prints.map((time) => offset + time * factor),
  };
}

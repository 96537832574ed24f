/**
 * Ken Burns motion as pure geometry: for a moment of a shot, where the
 * virtual camera looks (centre) and how close (scale ≥ 1), in frame pixels.
 * The view never leaves the picture it may show: the fitted still for
 * `cover`, the frame for `contain`.
 */
export const kenBurnsMoves = ['push-in', 'pull-out', 'pan-left', 'pan-right', 'pan-up', 'pan-down', 'static'] as const;
export type KenBurnsMove = (typeof kenBurnsMoves)[number];

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface View {
  scale: number;
  cx: number;
  cy: number;
}

/** Words a brief uses for camera movement → the move that renders it. */
const movementWords: ReadonlyArray<[RegExp, KenBurnsMove]> = [
  [/\b(push(?:es|ing)?[- ]?in|dolly[- ]?in|zoom(?:s|ing)?[- ]?in|slow zoom|creep)/i, 'push-in'],
  [/\b(pull(?:s|ing)?[- ]?(?:out|back)|dolly[- ]?out|zoom(?:s|ing)?[- ]?out|reveal)/i, 'pull-out'],
  [/\b(pan(?:s|ning)?[- ]?left)/i, 'pan-left'],
  [/\b(pan(?:s|ning)?|track(?:s|ing)?|truck(?:s|ing)?)\b/i, 'pan-right'],
  [/\b(tilt(?:s|ing)?[- ]?up|crane(?:s|ing)?[- ]?up|rises?)\b/i, 'pan-up'],
  [/\b(tilt(?:s|ing)?[- ]?down|crane(?:s|ing)?[- ]?down)\b/i, 'pan-down'],
  [/\b(static|locked[- ]?off|still|tripod)\b/i, 'static'],
];

/** Shots without a stated movement alternate through these, so a sequence of stills does not repeat one move. */
const defaultCycle: readonly KenBurnsMove[] = ['push-in', 'pan-right', 'pull-out', 'pan-left'];

export function moveFor(movement: string | undefined, shot: number): KenBurnsMove {
  const stated = movement ? movementWords.find(([pattern]) => pattern.test(movement))?.[1] : undefined;
  return stated ?? defaultCycle[shot % defaultCycle.length]!;
}

/** Slow in, slow out: a camera operator never starts or stops a move abruptly. */
export function ease(t: number): number {
  const clamped = Math.min(1, Math.max(0, t));
  return 0.5 - 0.5 * Math.cos(Math.PI * clamped);
}

const clamp = (value: number, low: number, high: number): number => (low > high ? (low + high) / 2 : Math.min(high, Math.max(low, value)));

/**
 * The view at progress `t` (0..1) of a shot on a `frame`, looking at
 * `bounds` (the area the camera may show), zooming by `zoom` over the shot.
 * `focus` (0..1 in bounds) is where a push-in heads.
 */
export function viewAt(move: KenBurnsMove, t: number, frame: { width: number; height: number }, bounds: Rect, zoom: number, focus = { x: 0.5, y: 0.5 }): View {
  const e = ease(t);
  const scale = move === 'push-in' ? 1 + (zoom - 1) * e : move === 'pull-out' ? zoom - (zoom - 1) * e : move === 'static' ? 1 : zoom;
  const halfW = frame.width / scale / 2;
  const halfH = frame.height / scale / 2;
  const minX = bounds.x + halfW;
  const maxX = bounds.x + bounds.width - halfW;
  const minY = bounds.y + halfH;
  const maxY = bounds.y + bounds.height - halfH;
  const centre = { x: frame.width / 2, y: frame.height / 2 };
  const target = { x: bounds.x + bounds.width * focus.x, y: bounds.y + bounds.height * focus.y };
  const along = (from: number, to: number): number => from + (to - from) * e;
  const position: Record<KenBurnsMove, () => { x: number; y: number }> = {
    'push-in': () => ({ x: along(centre.x, target.x), y: along(centre.y, target.y) }),
    'pull-out': () => ({ x: along(target.x, centre.x), y: along(target.y, centre.y) }),
    'pan-left': () => ({ x: along(maxX, minX), y: centre.y }),
    'pan-right': () => ({ x: along(minX, maxX), y: centre.y }),
    'pan-up': () => ({ x: centre.x, y: along(maxY, minY) }),
    'pan-down': () => ({ x: centre.x, y: along(minY, maxY) }),
    static: () => centre,
  };
  const { x, y } = position[move]();
  return { scale, cx: clamp(x, minX, maxX), cy: clamp(y, minY, maxY) };
}

/** Where a still of `source` size sits on the frame when fitted. */
export function fitRect(source: { width: number; height: number }, frame: { width: number; height: number }, fit: 'cover' | 'contain'): Rect {
  const ratio = fit === 'cover' ? Math.max(frame.width / source.width, frame.height / source.height) : Math.min(frame.width / source.width, frame.height / source.height);
  const width = source.width * ratio;
  const height = source.height * ratio;
  return { x: (frame.width - width) / 2, y: (frame.height - height) / 2, width, height };
}

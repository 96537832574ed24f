/**
 * Terminal looks as data: colours, the 16-colour ANSI palette, the font, the
 * window chrome, and the default strength of each CRT effect (a node param
 * overrides any of them).
 */
import { TRUECOLOR, type Colour } from './ansi.js';
import type { TerminalFontName } from './font.js';

export type Rgb = readonly [number, number, number];

export interface EffectLevels {
  /** 0–1 each. */
  scanlines: number;
  noise: number;
  glow: number;
  curvature: number;
  flicker: number;
}

export interface TerminalTheme {
  title: string;
  background: Rgb;
  foreground: Rgb;
  /** Bold text without a colour of its own. */
  bright: Rgb;
  cursor: Rgb;
  /** Halo colour around the screen. */
  glow: Rgb;
  /** Plastic around the tube, or the window frame. */
  bezel: Rgb;
  /** ANSI colours 0–15: normal then bright. */
  palette: readonly Rgb[];
  font: TerminalFontName;
  /** `crt`: a rounded tube in a bezel; `window`: a flat window with a title bar. */
  chrome: 'crt' | 'window';
  effects: EffectLevels;
}

const hex = (value: number): Rgb => [(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];

/** Saturated enough that an ANSI red reads as red even on a green tube. */
const retroPalette = [0x1b1b1b, 0xe0443e, 0x3ee05a, 0xe0c23e, 0x3e7be0, 0xc13ee0, 0x3ed6e0, 0xc8c8c8, 0x6b6b6b, 0xff6a5e, 0x74ff8a, 0xffe66b, 0x6ba4ff, 0xe57bff, 0x7bf6ff, 0xffffff].map(hex);

export const terminalThemes = {
  'green-phosphor': {
    title: 'Green phosphor (P1 CRT)',
    background: hex(0x04140a),
    foreground: hex(0x41ff7a),
    bright: hex(0xb8ffcc),
    cursor: hex(0x41ff7a),
    glow: hex(0x2bff68),
    bezel: hex(0x121512),
    palette: retroPalette,
    font: 'vt323',
    chrome: 'crt',
    effects: { scanlines: 0.55, noise: 0.35, glow: 0.7, curvature: 0.5, flicker: 0.3 },
  },
  amber: {
    title: 'Amber phosphor (P3 CRT)',
    background: hex(0x160c02),
    foreground: hex(0xffb22e),
    bright: hex(0xffe3a8),
    cursor: hex(0xffb22e),
    glow: hex(0xff9a1a),
    bezel: hex(0x17130e),
    palette: retroPalette,
    font: 'vt323',
    chrome: 'crt',
    effects: { scanlines: 0.55, noise: 0.35, glow: 0.7, curvature: 0.5, flicker: 0.3 },
  },
  'modern-dark': {
    title: 'Modern dark',
    background: hex(0x1e1f29),
    foreground: hex(0xd8dee9),
    bright: hex(0xffffff),
    cursor: hex(0xa3be8c),
    glow: hex(0x88a0c8),
    bezel: hex(0x2b2d3a),
    palette: [0x3b4252, 0xe06c75, 0x98c379, 0xe5c07b, 0x61afef, 0xc678dd, 0x56b6c2, 0xdcdfe4, 0x5c6370, 0xff7b86, 0xb5e890, 0xffd68a, 0x82c4ff, 0xdc9cf0, 0x7fd3dc, 0xffffff].map(hex),
    font: 'jetbrains-mono',
    chrome: 'window',
    effects: { scanlines: 0, noise: 0, glow: 0.15, curvature: 0, flicker: 0 },
  },
} as const satisfies Record<string, TerminalTheme>;

export type TerminalThemeName = keyof typeof terminalThemes;
export const terminalThemeNames = Object.keys(terminalThemes) as TerminalThemeName[];

const CUBE = [0, 95, 135, 175, 215, 255];

/** A cell colour as RGB: theme palette for 0–15, the xterm cube and grey ramp for 16–255, or the literal truecolor. */
export function resolveColour(colour: Colour, theme: TerminalTheme): Rgb {
  if (colour >= TRUECOLOR) return hex(colour - TRUECOLOR);
  if (colour < 16) return theme.palette[colour] as Rgb;
  if (colour < 232) {
    const n = colour - 16;
    return [CUBE[Math.floor(n / 36)] as number, CUBE[Math.floor(n / 6) % 6] as number, CUBE[n % 6] as number];
  }
  const grey = 8 + (colour - 232) * 10;
  return [grey, grey, grey];
}

export const css = ([r, g, b]: Rgb, alpha = 1): string => (alpha >= 1 ? `rgb(${r},${g},${b})` : `rgba(${r},${g},${b},${alpha})`);

/**
 * Reading a ScenePrompt into what the renderer draws: a motif, a time of
 * day, weather, light and mood words, a camera move and a seed. The prompt's
 * own fields come first (scene.prompt copies them from the script's scene
 * brief); whatever is missing or unrecognised is read from the prompt's text
 * with the script engine's own vocabulary, so a hand-written prompt such as
 * "foggy forest at dawn, slow push in" works too.
 */
import { Type, type SceneBrief, type ScenePrompt, type Static } from '../../../runtime/contract/index.js';
import { sceneBrief } from '../../script/engine/analyze.js';
import { proceduralSeed } from '../seed.js';
import { cameraMoveNames, cameraMoves, type CameraMoveName } from './camera.js';
import { motifNames, type MotifName } from './motifs/index.js';
import { defaultShot, readCuts, readShallowFocus, readShot, readSubject, type ShotSize, type SubjectReading } from './subjects/index.js';
import { timesOfDay, type TimeOfDay } from './palette.js';
import { weatherKindNames, weatherKinds, type WeatherKind } from './weather.js';

/** A ScenePrompt port value as it may arrive (wired from an Any or Json output): any field can be missing or of the wrong type. */
export type ScenePromptValue = { [Field in keyof ScenePrompt]?: unknown };

/** The node's params that override what the prompt says (one definition: the node's schema and PlanOverrides); spread into its `nodeParams`. */
export const planOverrideParams = {
  motif: Type.Unsafe<'auto' | MotifName>({ type: 'string', title: 'Setting', enum: ['auto', ...motifNames], default: 'auto', description: 'auto: the prompt’s setting, else read from its words, else abstract data.' }),
  timeOfDay: Type.Unsafe<'auto' | TimeOfDay>({ type: 'string', title: 'Time of day', enum: ['auto', ...timesOfDay], default: 'auto' }),
  weather: Type.Unsafe<'auto' | 'none' | WeatherKind>({ type: 'string', title: 'Weather', enum: ['auto', 'none', ...weatherKindNames], default: 'auto', description: 'none: no weather whatever the prompt says.' }),
  camera: Type.Unsafe<'auto' | CameraMoveName>({ type: 'string', title: 'Camera move', enum: ['auto', ...cameraMoveNames], default: 'auto', description: 'auto: the prompt’s camera movement, else a slow push-in.' }),
  cameraStrength: Type.Number({ title: 'Camera travel', description: '1: the move’s normal travel; 0 locks the camera off.', minimum: 0, maximum: 2, default: 1 }),
};

export type PlanOverrides = Static<ReturnType<typeof Type.Object<typeof planOverrideParams>>>;

export interface ScenePlan {
  motif: MotifName;
  time: TimeOfDay;
  weather?: WeatherKind;
  camera: CameraMoveName;
  /** The override's strength, halved for the gentle drift a scene gets when its prompt names no move. */
  cameraStrength: number;
  /** Words of the lighting description. */
  lightingWords: string[];
  /** Words of the mood and of the whole prompt. */
  moodWords: string[];
  seed: number;
  /** What stands in front of the setting (a figure, a screen, a timer, a chart), when the words name one. */
  subject?: SubjectReading;
  /** The framing: named by the brief, else wide for people and settings, medium for objects. */
  shot: ShotSize;
  /** shallow: what lies behind the subject is blurred ("shallow depth of field", "bokeh"). */
  focus: 'deep' | 'shallow';
  /** Seconds per shot when the brief asks for fast cuts; absent for one continuous shot. */
  cutSeconds?: number;
}

/** The script engine's times of day (and this renderer's four), as the four skies there are. */
const TIMES: Readonly<Record<string, TimeOfDay>> = {
  dawn: 'dawn',
  morning: 'day',
  day: 'day',
  noon: 'day',
  afternoon: 'day',
  dusk: 'dusk',
  evening: 'dusk',
  night: 'night',
  midnight: 'night',
};

/** Indoors the sky is seldom seen; the default favours the lamps being on. */
const DEFAULT_TIME: Readonly<Record<MotifName, TimeOfDay>> = {
  'data center': 'night',
  'city street': 'dusk',
  skyline: 'dusk',
  'interior room': 'day',
  forest: 'day',
  space: 'night',
  ocean: 'day',
  desert: 'day',
  'abstract data': 'night',
};

/** A held scene still breathes: a slow push-in at half strength. */
const DEFAULT_MOVE: CameraMoveName = 'push-in';
const DEFAULT_MOVE_STRENGTH = 0.5;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value : undefined);
const wordsOf = (value: string | undefined): string[] => (value ? value.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [] : []);
const isMotif = (value: string | undefined): value is MotifName => value !== undefined && (motifNames as readonly string[]).includes(value);
const isWeather = (value: string | undefined): value is WeatherKind => value !== undefined && Object.hasOwn(weatherKinds, value);
const isMove = (value: string | undefined): value is CameraMoveName => value !== undefined && Object.hasOwn(cameraMoves, value);

export function planScene(prompt: ScenePromptValue, overrides: PlanOverrides): ScenePlan {
  const words = text(prompt.prompt) ?? text(prompt.title) ?? '';
  const styles = Array.isArray(prompt.style) ? prompt.style.filter((s): s is string => typeof s === 'string') : [];
  // The script engine's reading of the words, done only if a field needs it.
  let brief: SceneBrief | undefined;
  const read = (): SceneBrief => (brief ??= sceneBrief({ heading: text(prompt.title) ?? '', directions: [words, styles.join(', ')], dialogue: [], speakers: [] }));

  const setting = text(prompt.setting)?.toLowerCase();
  const motif: MotifName =
    overrides.motif !== 'auto' ? overrides.motif : isMotif(setting) ? setting : isMotif(read().setting) ? (read().setting as MotifName) : 'abstract data';

  const namedTime = TIMES[text(prompt.timeOfDay)?.toLowerCase() ?? ''] ?? TIMES[read().timeOfDay ?? ''];
  const time = overrides.timeOfDay !== 'auto' ? overrides.timeOfDay : (namedTime ?? DEFAULT_TIME[motif]);

  const namedWeather = text(prompt.weather)?.toLowerCase();
  const weather: WeatherKind | undefined =
    overrides.weather === 'none' ? undefined : overrides.weather !== 'auto' ? overrides.weather : isWeather(namedWeather) ? namedWeather : isWeather(read().weather) ? (read().weather as WeatherKind) : undefined;

  const camera = typeof prompt.camera === 'object' && prompt.camera !== null ? (prompt.camera as Record<string, unknown>) : {};
  const namedMove = text(camera.movement)?.toLowerCase();
  const move = overrides.camera !== 'auto' ? overrides.camera : isMove(namedMove) ? namedMove : isMove(read().camera.movement) ? (read().camera.movement as CameraMoveName) : undefined;

  // Subject and framing: from the words with the camera's shot ("close-up, shallow depth of field").
  const namedShot = text(camera.shot) ?? read().camera.shot;
  const framingText = [words, namedShot ?? '', styles.join(', ')].join(', ');
  const shotSize = readShot(framingText);
  const subject = readSubject(framingText, shotSize);
  const cutSeconds = readCuts(framingText);

  return {
    motif,
    time,
    ...(weather ? { weather } : {}),
    camera: move ?? DEFAULT_MOVE,
    cameraStrength: overrides.cameraStrength * (move ? 1 : DEFAULT_MOVE_STRENGTH),
    lightingWords: wordsOf(text(prompt.lighting) ?? read().lighting),
    moodWords: [...wordsOf(text(prompt.mood) ?? read().mood), ...wordsOf(words), ...styles.flatMap(wordsOf)],
    seed: proceduralSeed(prompt),
    ...(subject ? { subject } : {}),
    shot: shotSize ?? defaultShot(subject?.kind),
    focus: readShallowFocus(framingText) ? 'shallow' : 'deep',
    ...(cutSeconds ? { cutSeconds } : {}),
  };
}

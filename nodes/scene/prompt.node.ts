import { defineNode, nodeParams, PermanentError, Type, type Static } from '../../runtime/contract/index.js';
import type { Scene, ScenePlan, Script } from '../../runtime/contract/index.js';
import { sceneSeed } from './seed.js';

const params = nodeParams({
  template: Type.String({
    title: 'Prompt template',
    description: 'Placeholders: {description} {setting} {location} {time_of_day} {weather} {lighting} {camera_angle} {camera_movement} {shot} {mood} {subjects} {style} {title} {episode}',
    default: '{description}, {lighting}, {camera_angle} {shot}, {mood} mood, {style}',
    'x-widget': 'textarea',
  }),
  styleModifiers: Type.Array(Type.String({ minLength: 1 }), { title: 'Style modifiers', description: 'Empty: the script’s front matter `style`.', default: [] }),
  negativePrompt: Type.String({ title: 'Negative prompt', default: 'text, captions, watermark, logo, blurry, distorted faces' }),
  cameraAngle: Type.Optional(Type.String({ title: 'Camera angle (override)' })),
  lighting: Type.Optional(Type.String({ title: 'Lighting (override)' })),
  duration: Type.Number({ title: 'Seconds per scene', description: '0: the script’s estimate for each scene.', minimum: 0, maximum: 600, default: 0 }),
  minDuration: Type.Number({ title: 'Shortest scene (s)', minimum: 0.5, maximum: 60, default: 3 }),
  handle: Type.Number({ title: 'Handle (s)', minimum: 0, maximum: 5, default: 0, description: 'Extra seconds rendered past each scene’s end, for the crossfade into the next one.' }),
});
type Params = Static<typeof params>;

/** What a template may say: `{description}`, `{lighting}`… Values come from the scene brief, overridden by params. */
function placeholders(scene: Scene, script: Script, params: Params, style: string[]): Record<string, string> {
  const { brief } = scene;
  return {
    title: scene.title,
    episode: script.title,
    description: brief.description,
    setting: brief.setting === 'unknown' ? '' : brief.setting,
    location: brief.location ?? '',
    time_of_day: brief.timeOfDay ?? '',
    weather: brief.weather ?? '',
    lighting: params.lighting ?? brief.lighting ?? '',
    camera_angle: params.cameraAngle ?? brief.camera.angle ?? '',
    camera_movement: brief.camera.movement ?? '',
    shot: brief.camera.shot ?? '',
    mood: brief.mood ?? '',
    subjects: brief.subjects.join(', '),
    style: style.join(', '),
  };
}

/** `{name}` filled in; an unknown name is the template author's typo, reported with the names that exist. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template
    .replace(/\{([a-z_]+)\}/g, (_match, name: string) => {
      if (!(name in values)) throw new PermanentError(`prompt template uses {${name}}, which does not exist (use: ${Object.keys(values).map((k) => `{${k}}`).join(', ')})`, { location: { param: '/template' } });
      return values[name] as string;
    })
    .replace(/\s+,/g, ',')
    .replace(/,(?:\s*,)+/g, ',')
    .replace(/\s{2,}/g, ' ')
    .replace(/^[\s,]+|[\s,]+$/g, '');
}

export default defineNode({
  type: 'scene.prompt',
  version: 1,
  title: 'Scene prompts',
  category: 'scene',
  description: 'Turns each scene brief into a provider-ready prompt from a template, the series style and camera/lighting overrides.',
  inputs: [
    { name: 'script', type: 'Script', title: 'Script' },
    { name: 'plan', type: 'ScenePlan', optional: true, title: 'Scene plan', description: 'Scene lengths from the real audio (Pacing); without it, the script’s estimates.' },
  ],
  outputs: [{ name: 'prompts', type: 'ScenePrompt', list: true, title: 'Prompts', description: 'One per scene, in order.' }],
  params,
  resource: 'light',
  cacheable: true,
  // Prompts cached before they carried their handle must not be reused: scene clips key their cut keyframe on it.
  cacheIdentity: () => 'with-handle',
  async execute({ inputs, params }) {
    const script = inputs.script as Script;
    const planned = new Map(((inputs.plan as ScenePlan | undefined)?.scenes ?? []).map((scene) => [scene.id, scene.duration]));
    const style = params.styleModifiers.length > 0 ? params.styleModifiers : (script.meta.style ?? []);
    const prompts = script.scenes.map((scene) => {
      const prompt = fillTemplate(params.template, placeholders(scene, script, params, style));
      return {
        sceneId: scene.id,
        index: scene.index,
        title: scene.title,
        prompt,
        ...(scene.images.length > 0 ? { images: scene.images.map(({ path, description, line }) => ({ path, description, line })) } : {}),
        negativePrompt: params.negativePrompt,
        style,
        setting: scene.brief.setting,
        ...(scene.brief.timeOfDay ? { timeOfDay: scene.brief.timeOfDay } : {}),
        ...(scene.brief.weather ? { weather: scene.brief.weather } : {}),
        ...((params.lighting ?? scene.brief.lighting) ? { lighting: params.lighting ?? scene.brief.lighting } : {}),
        ...(scene.brief.mood ? { mood: scene.brief.mood } : {}),
        camera: { ...scene.brief.camera, ...(params.cameraAngle ? { angle: params.cameraAngle } : {}) },
        duration: Math.max(params.minDuration, params.duration > 0 ? params.duration : (planned.get(scene.id) ?? scene.timing.duration)) + params.handle,
        ...(params.handle > 0 ? { handle: params.handle } : {}),
        seed: sceneSeed(scene.id, prompt),
      };
    });
    return { prompts };
  },
});

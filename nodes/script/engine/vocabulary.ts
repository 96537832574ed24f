/**
 * The words scene analysis knows: each brief field is looked up in a table
 * here. Tables map a canonical value to the phrases that express it; the
 * longest phrase wins where phrases overlap ("heavy rain" over "rain"), a
 * phrase never spans punctuation, and a table word also matches its plural
 * ("rack" matches "racks") — see match.ts. To teach the engine a new word, add
 * it to a table; no code changes are needed.
 */

// Canonical value → phrases (lower case; list the singular, plurals match too).

export type Vocabulary<V extends string = string> = Readonly<Record<V, readonly string[]>>;

/**
 * Setting motifs the scene renderer can draw. `places` name the place itself
 * (and become the brief's `location`); `signs` are things seen there. A place
 * named anywhere in the text beats a sign, and the first place named wins:
 * directions open with the establishing description.
 */
export const SETTINGS = {
  'data center': {
    places: ['data center', 'data centre', 'datacenter', 'server room', 'server farm', 'server hall', 'server vault', 'terminal room', 'computer room', 'machine room', 'control room', 'network operations center', 'mainframe room'],
    signs: ['server rack', 'server', 'rack', 'mainframe', 'terminal', 'cooling unit', 'data cable', 'cable', 'blinking led'],
  },
  'city street': {
    places: ['city street', 'street', 'alley', 'alleyway', 'backstreet', 'road', 'avenue', 'boulevard', 'sidewalk', 'pavement', 'crosswalk', 'intersection', 'city block', 'block', 'downtown', 'town square', 'underpass', 'parking lot', 'bus stop', 'highway'],
    signs: ['neon sign', 'storefront', 'shopfront', 'shop', 'traffic', 'streetlight', 'street lamp', 'lamppost', 'taxi', 'manhole', 'graffiti', 'billboard', 'puddle'],
  },
  skyline: {
    places: ['skyline', 'rooftop', 'roof', 'cityscape', 'overlook', 'city below', 'penthouse terrace'],
    signs: ['skyscraper', 'tower', 'antenna', 'water tower', 'city lights', 'helipad'],
  },
  'interior room': {
    places: ['room', 'office', 'kitchen', 'apartment', 'bedroom', 'living room', 'bathroom', 'lab', 'laboratory', 'corridor', 'hallway', 'classroom', 'studio', 'garage', 'basement', 'attic', 'warehouse', 'bunker', 'cafe', 'café', 'restaurant', 'diner', 'library', 'cell', 'cabin', 'lobby', 'elevator', 'stairwell', 'workshop', 'loft', 'ward', 'archive'],
    signs: ['desk', 'sofa', 'couch', 'bed', 'bookshelf', 'ceiling', 'wallpaper', 'carpet', 'fridge', 'stove', 'kitchen table', 'window', 'windowsill'],
  },
  forest: {
    places: ['forest', 'woods', 'woodland', 'jungle', 'rainforest', 'park', 'grove', 'clearing', 'meadow', 'glade', 'garden', 'orchard', 'swamp', 'marsh', 'wilderness', 'trail'],
    signs: ['tree', 'pine', 'oak', 'moss', 'fern', 'undergrowth', 'canopy', 'foliage', 'leaves', 'branch', 'birdsong', 'nature'],
  },
  space: {
    places: ['outer space', 'deep space', 'in space', 'orbit', 'space station', 'spaceship', 'spacecraft', 'starship', 'airlock', 'lunar surface', 'moon surface'],
    signs: ['star', 'starfield', 'planet', 'galaxy', 'nebula', 'asteroid', 'cosmos', 'satellite', 'zero gravity', 'astronaut', 'rocket'],
  },
  ocean: {
    places: ['ocean', 'sea', 'beach', 'shore', 'seashore', 'coast', 'coastline', 'harbor', 'harbour', 'pier', 'dock', 'lagoon', 'reef', 'underwater', 'open water', 'surf'],
    signs: ['wave', 'tide', 'seagull', 'boat', 'ship', 'sail', 'lighthouse', 'sea spray'],
  },
  desert: {
    places: ['desert', 'dune', 'wasteland', 'badlands', 'canyon', 'salt flat', 'mesa', 'sand sea', 'wastes'],
    signs: ['sand', 'cactus', 'tumbleweed', 'heat haze', 'mirage', 'sandstorm', 'scorched earth', 'bleached bones'],
  },
  'abstract data': {
    places: ['abstract space', 'cyberspace', 'digital void', 'virtual space', 'data space'],
    signs: ['diagram', 'graph', 'chart', 'bar chart', 'pie chart', 'line graph', 'pixel', 'frame', 'triangle', 'square', 'circle', 'arrow', 'shape', 'icon', 'node', 'flowchart', 'visualization', 'visualisation', 'infographic', 'equation', 'formula', 'waveform', 'histogram', 'matrix', 'data stream', 'binary', 'text on screen', 'on screen text', 'split screen', 'side by side', 'title card', 'countdown', 'progress bar', 'abstract'],
  },
} satisfies Record<string, { places: readonly string[]; signs: readonly string[] }>;

export type SettingMotif = keyof typeof SETTINGS | 'unknown';
export const settingMotifs = [...(Object.keys(SETTINGS) as (keyof typeof SETTINGS)[]), 'unknown'] as const satisfies readonly SettingMotif[];

/** Whether a motif is indoors when the text does not say; `undefined`: it depends. */
export const SETTING_IS_INTERIOR: Readonly<Record<keyof typeof SETTINGS, boolean | undefined>> = {
  'data center': true,
  'interior room': true,
  'city street': false,
  skyline: false,
  forest: false,
  ocean: false,
  desert: false,
  space: undefined,
  'abstract data': undefined,
};

/** Explicit indoor/outdoor words; they override the setting's default. */
export const INTERIOR_CUES: Vocabulary<'inside' | 'outside'> = {
  inside: ['inside', 'indoors', 'interior', 'int'],
  outside: ['outside', 'outdoors', 'exterior', 'ext', 'open air'],
};

/** Bare "day" is left out: "six days" is not a time of day. A slug saying DAY still counts (see `timeFromSlug`). */
export const TIMES_OF_DAY: Vocabulary = {
  night: ['night', 'nighttime', 'tonight', 'late at night'],
  midnight: ['midnight'],
  dawn: ['dawn', 'sunrise', 'daybreak', 'first light'],
  morning: ['morning'],
  day: ['daytime', 'daylight', 'broad daylight'],
  noon: ['noon', 'midday', 'high noon'],
  afternoon: ['afternoon'],
  dusk: ['dusk', 'sunset', 'twilight', 'nightfall', 'golden hour'],
  evening: ['evening'],
};

export const WEATHER: Vocabulary = {
  'heavy rain': ['heavy rain', 'pouring rain', 'torrential rain', 'driving rain', 'downpour', 'rainstorm'],
  rain: ['rain', 'raining', 'rainy', 'drizzle', 'drizzling', 'raindrop'],
  storm: ['storm', 'stormy', 'thunderstorm', 'thunder', 'lightning'],
  snow: ['snow', 'snowing', 'snowy', 'snowfall', 'snowflake', 'blizzard', 'sleet'],
  fog: ['fog', 'foggy', 'mist', 'misty', 'haze', 'hazy', 'smog'],
  dust: ['dust', 'dusty', 'dust storm', 'sandstorm', 'ash', 'ashfall'],
  wind: ['wind', 'windy', 'gale', 'gust'],
  clear: ['clear sky', 'clear skies', 'cloudless', 'sunny'],
  overcast: ['overcast', 'cloudy', 'grey sky', 'gray sky'],
};

/**
 * Lighting is read as a run of words such as "cold blue emergency lighting":
 * modifiers, then a light word. A source word stands on its own ("neon",
 * "moonlight"); a plain light noun needs a modifier, so "light rain" and
 * "light floods in" say nothing about lighting.
 */
export const LIGHT_SOURCES = new Set([
  'neon', 'moonlight', 'sunlight', 'daylight', 'candlelight', 'firelight', 'torchlight', 'lamplight', 'starlight', 'streetlight',
  'spotlight', 'floodlight', 'blacklight', 'strobe', 'flicker', 'flickering', 'backlight', 'backlit', 'sunbeam', 'moonbeam', 'chiaroscuro',
]);
export const LIGHT_NOUNS = new Set(['light', 'lighting', 'glow', 'glare', 'beam', 'tone', 'tint', 'wash']);
export const LIGHT_MODIFIERS = new Set([
  // colour
  'red', 'blue', 'green', 'amber', 'golden', 'gold', 'orange', 'yellow', 'white', 'purple', 'violet', 'pink', 'magenta', 'cyan', 'teal',
  'crimson', 'scarlet', 'silver', 'grey', 'gray', 'monochrome', 'colored', 'coloured', 'multicolored', 'rainbow',
  // temperature and quality
  'cold', 'cool', 'warm', 'hot', 'harsh', 'soft', 'dim', 'dull', 'bright', 'brilliant', 'low', 'faint', 'pale', 'weak', 'strong', 'intense',
  'stark', 'sickly', 'eerie', 'hazy', 'murky', 'moody', 'sterile', 'clinical', 'dappled', 'diffuse', 'diffused', 'ambient', 'natural', 'artificial',
  // behaviour
  'flickering', 'blinking', 'pulsing', 'strobing', 'flashing', 'glowing', 'dying', 'failing',
  // source and direction
  'emergency', 'fluorescent', 'sodium', 'halogen', 'tungsten', 'led', 'ultraviolet', 'uv', 'infrared', 'candle', 'fire', 'overhead',
  'rim', 'key', 'fill', 'back', 'side',
  // time of day
  'morning', 'evening', 'afternoon', 'dawn', 'dusk', 'twilight',
]);

export const CAMERA_ANGLES: Vocabulary = {
  low: ['low angle', 'from below', 'worm eye', "worm's eye", 'looking up at'],
  high: ['high angle', 'from above', 'looking down at', 'looking down on'],
  'eye level': ['eye level'],
  overhead: ['overhead shot', 'overhead view', 'overhead angle', 'top down', "bird's eye", 'birds eye', 'aerial shot', 'aerial view', 'top shot'],
  dutch: ['dutch angle', 'dutch tilt', 'canted angle', 'canted', 'tilted angle'],
};

/** "static" alone is left out: in these scripts it is usually screen noise. */
export const CAMERA_MOVEMENTS: Vocabulary = {
  'push-in': ['push in', 'slow push', 'dolly forward', 'dolly in', 'track in', 'tracking in', 'creep in', 'creep forward', 'move in', 'camera moves closer'],
  'pull-out': ['pull back', 'pull out', 'dolly back', 'dolly out', 'dolly backward', 'track out', 'track back'],
  pan: ['pan', 'panning', 'whip pan', 'pan left', 'pan right', 'pan across'],
  tilt: ['tilt up', 'tilt down'],
  tracking: ['tracking shot', 'tracking', 'camera tracks', 'camera follows', 'following shot', 'follow shot', 'steadicam', 'trucking'],
  handheld: ['handheld', 'hand held', 'shaky cam', 'shaky camera', 'shoulder rig'],
  static: ['static shot', 'static camera', 'static frame', 'locked off', 'tripod', 'fixed camera', 'camera holds', 'still frame'],
  zoom: ['zoom', 'zoom in', 'zoom out', 'crash zoom', 'slow zoom'],
  crane: ['crane', 'crane shot', 'crane up', 'jib', 'boom up', 'drone shot'],
  orbit: ['arc shot', 'orbiting shot', 'camera orbits', 'camera circles'],
  dolly: ['dolly', 'dolly shot'],
};

/** Framing. "wide" and "medium" alone are left out: "wide eyes", "medium rare". */
export const SHOT_SIZES: Vocabulary = {
  'extreme close-up': ['extreme close up', 'extreme closeup', 'ecu', 'macro shot'],
  'medium close-up': ['medium close up', 'mcu'],
  'close-up': ['close up', 'closeup', 'close shot', 'tight shot'],
  medium: ['medium shot', 'mid shot', 'waist up'],
  wide: ['wide shot', 'wide angle', 'wide view', 'long shot', 'full shot', 'extreme wide shot'],
  establishing: ['establishing shot', 'establishing'],
  'over the shoulder': ['over the shoulder', 'ots'],
  'point of view': ['pov', 'point of view'],
  insert: ['insert shot'],
};

/** Lens and focus; appended to the framing in `camera.shot` ("close-up, shallow depth of field"). */
export const LENS_LOOKS: Vocabulary = {
  'shallow depth of field': ['shallow depth of field', 'shallow focus', 'shallow dof', 'bokeh', 'blurred background'],
  'deep focus': ['deep focus', 'deep depth of field'],
  'rack focus': ['rack focus', 'focus pull', 'pull focus'],
  'soft focus': ['soft focus'],
  fisheye: ['fisheye', 'fish eye'],
};

/** Words that state a mood outright; each counts three times a cue. */
export const MOOD_WORDS: Vocabulary = {
  ominous: ['ominous', 'foreboding', 'menacing', 'sinister', 'threatening', 'dread', 'dreadful', 'bleak', 'grim', 'dystopian'],
  tense: ['tense', 'tension', 'suspense', 'suspenseful', 'urgent', 'urgency', 'anxious', 'nervous', 'frantic', 'panicked', 'claustrophobic'],
  hopeful: ['hopeful', 'uplifting', 'optimistic', 'inspiring', 'triumphant', 'joyful'],
  melancholic: ['melancholic', 'melancholy', 'sad', 'sorrowful', 'mournful', 'somber', 'sombre', 'wistful', 'bittersweet', 'lonely', 'desolate'],
  mysterious: ['mysterious', 'mystery', 'eerie', 'enigmatic', 'uncanny', 'surreal', 'dreamlike', 'otherworldly'],
  energetic: ['energetic', 'upbeat', 'dynamic', 'lively', 'exciting', 'frenetic', 'electric', 'punchy'],
  calm: ['calm', 'peaceful', 'serene', 'tranquil', 'relaxed', 'meditative'],
  playful: ['playful', 'whimsical', 'lighthearted', 'cheerful', 'funny'],
};
export const STATED_MOOD_WEIGHT = 3;

/**
 * What suggests a mood when none is stated: setting details, lighting and
 * weather ("cold blue" + "abandoned" → ominous). The mood with most cues wins;
 * on a tie, the one cued first.
 */
export const MOOD_CUES: Vocabulary = {
  ominous: ['abandoned', 'derelict', 'ruined', 'ruins', 'decay', 'decaying', 'crumbling', 'rust', 'rusted', 'dead', 'darkness', 'shadow', 'looming', 'broken', 'cold blue', 'emergency lighting', 'emergency light', 'flickering', 'wreckage', 'smoke', 'blood', 'skull'],
  tense: ['countdown', 'timer', 'racing', 'ticking', 'alarm', 'siren', 'red light', 'red alert', 'warning', 'chase', 'danger', 'heartbeat', 'sweat', 'gunfire', 'explosion'],
  energetic: ['fast cuts', 'quick cuts', 'rapid cuts', 'jump cuts', 'montage', 'strobe', 'pulsing', 'crowd', 'dancing', 'bright colors', 'bright colours', 'confetti', 'whip pan'],
  hopeful: ['warm', 'golden', 'sunrise', 'dawn', 'first light', 'sunlight', 'smile', 'smiling', 'blossom', 'rainbow', 'hope'],
  melancholic: ['rain', 'heavy rain', 'drizzle', 'lone', 'alone', 'empty', 'grey', 'gray', 'overcast', 'shuttered', 'tears', 'fading', 'faded', 'autumn', 'wilted'],
  mysterious: ['fog', 'mist', 'haze', 'shadowy', 'silhouette', 'silhouetted', 'signal', 'blinking', 'whisper', 'whispering', 'hidden', 'unknown', 'strange', 'vanish', 'night', 'moonlight', 'glitch'],
  calm: ['gentle', 'soft light', 'softly', 'breeze', 'quiet', 'candlelight', 'snowfall', 'stillness', 'still water', 'birdsong', 'ripple'],
};

/** Nouns that describe the shot, a quantity or nothing visible; never subjects. */
export const NOT_SUBJECTS = new Set([
  'camera', 'shot', 'angle', 'level', 'lens', 'focus', 'depth', 'field', 'cut', 'scene', 'view', 'side', 'distance', 'background', 'foreground',
  'darkness', 'silence', 'sound', 'light', 'lighting', 'glow', 'moment', 'time', 'way', 'thing', 'something', 'nothing', 'everything', 'anything',
  'row', 'pair', 'couple', 'lot', 'bunch', 'number', 'series', 'handful', 'kind', 'sort', 'type', 'part', 'bit', 'int', 'ext',
]);

/** Speakers who are heard but not seen, so are not subjects of the picture. */
export const OFFSCREEN_SPEAKERS = new Set(['NARRATOR', 'NARRATION', 'ANNOUNCER', 'VOICEOVER']);

/** A duration ends in one of these units (compromise alone also counts "a quarter" of anything). */
export const DURATION_UNITS = new Set(['second', 'minute', 'hour', 'day', 'night', 'week', 'fortnight', 'month', 'year', 'decade', 'century', 'millennium', 'millennia']);

/** Capitalised words before one of these name a place ("Central Station", "Blackwater Bay"). */
export const PLACE_NAME_HEADS = [
  'Street', 'Avenue', 'Road', 'Boulevard', 'Lane', 'Square', 'Plaza', 'Park', 'Station', 'Tower', 'Towers', 'District', 'Quarter', 'Sector',
  'City', 'Town', 'Village', 'Bay', 'Harbor', 'Harbour', 'River', 'Lake', 'Mountain', 'Mountains', 'Valley', 'Island', 'Islands', 'Bridge',
  'Market', 'Hospital', 'Center', 'Centre', 'Building', 'Hall', 'Palace', 'Castle', 'Temple', 'Cathedral', 'Academy', 'University', 'Base',
  'Outpost', 'Colony', 'Port', 'Airport', 'Desert', 'Forest', 'Sea', 'Ocean', 'Coast', 'Beach', 'Heights', 'Hills', 'Falls', 'Archive',
];
/** Leading words dropped from a capitalised place phrase ("The Archive" → "Archive", then too short to keep). */
export const PLACE_NAME_DETERMINERS = new Set(['the', 'a', 'an', 'this', 'that', 'every', 'our', 'my', 'your', 'his', 'her', 'their', 'its']);

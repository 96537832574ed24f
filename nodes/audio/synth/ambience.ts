/**
 * Room tone and ambience from a scene's brief: a quiet bed of room tone
 * always, and on it what the setting and weather say — a data centre's mains
 * hum and fans, rain (muffled indoors), wind, a city's traffic rumble, waves,
 * birds, thunder. Noise and event times come from a PRNG seeded by the
 * scene, so a render repeats exactly; state runs forward a block at a time.
 */
import { dbToGain, hashString, Noise, OnePole, SAMPLE_RATE, sineCycles, StateVariable, type StereoSource } from './dsp.js';

export interface AmbienceBrief {
  setting?: string;
  weather?: string;
  interior?: boolean;
  timeOfDay?: string;
}

export const ambienceLayerNames = ['room', 'hum', 'fans', 'rain', 'heavy-rain', 'thunder', 'wind', 'traffic', 'waves', 'birds', 'drone', 'crickets'] as const;
export type AmbienceLayerName = (typeof ambienceLayerNames)[number];

/** Which layers a brief calls for (room tone always): exported so a test can read the choice as a table. */
export function ambienceLayers(brief: AmbienceBrief): AmbienceLayerName[] {
  const layers = new Set<AmbienceLayerName>(['room']);
  const night = brief.timeOfDay === 'night' || brief.timeOfDay === 'midnight' || brief.timeOfDay === 'evening';
  switch (brief.setting) {
    case 'data center':
      layers.add('hum').add('fans');
      break;
    case 'city street':
      layers.add('traffic');
      break;
    case 'skyline':
      layers.add('wind').add('traffic');
      break;
    case 'forest':
      layers.add(night ? 'crickets' : 'birds').add('wind');
      break;
    case 'ocean':
      layers.add('waves').add('wind');
      break;
    case 'desert':
      layers.add('wind');
      break;
    case 'space':
    case 'abstract data':
      layers.add('drone');
      break;
    default:
      break;
  }
  switch (brief.weather) {
    case 'heavy rain':
      layers.add('heavy-rain');
      break;
    case 'rain':
      layers.add('rain');
      break;
    case 'storm':
      layers.add('heavy-rain').add('thunder');
      break;
    case 'wind':
    case 'dust':
    case 'snow':
      layers.add('wind');
      break;
    default:
      break;
  }
  return ambienceLayerNames.filter((name) => layers.has(name));
}

/** A stable key of what an ambience sounds like: neighbouring scenes with one key share one continuous bed. */
export function ambienceKey(brief: AmbienceBrief): string {
  return `${ambienceLayers(brief).join('+')}${brief.interior ? ':inside' : ''}`;
}

interface Layer {
  /** The next stereo frame. */
  next(out: [number, number]): void;
}

const seconds = (s: number): number => Math.round(s * SAMPLE_RATE);

function roomTone(noise: Noise): Layer {
  const lowL = new OnePole(400);
  const lowR = new OnePole(400);
  const gain = dbToGain(-9);
  return {
    next(out) {
      out[0] += lowL.lowpass(noise.pink()) * gain;
      out[1] += lowR.lowpass(noise.pink()) * gain;
    },
  };
}

function hum(): Layer {
  let n = 0;
  return {
    next(out) {
      const t = n++ / SAMPLE_RATE;
      const value = 0.16 * sineCycles(50 * t) + 0.1 * sineCycles(100 * t) + 0.05 * sineCycles(150 * t) + 0.03 * sineCycles(200 * t) + 0.004 * sineCycles(2_400 * t);
      out[0] += value;
      out[1] += value;
    },
  };
}

function fans(noise: Noise): Layer {
  const filterL = new StateVariable(0.9);
  const filterR = new StateVariable(0.9);
  let n = 0;
  return {
    next(out) {
      const t = n++ / SAMPLE_RATE;
      const wobble = 1 + 0.08 * sineCycles(0.37 * t);
      out[0] += 0.5 * filterL.bandpass(noise.white(), 500 * wobble);
      out[1] += 0.5 * filterR.bandpass(noise.white(), 520 * wobble);
    },
  };
}

function rain(noise: Noise, heavy: boolean, inside: boolean): Layer {
  const hissL = new OnePole(inside ? 900 : 5_000);
  const hissR = new OnePole(inside ? 900 : 5_000);
  const high = new OnePole(300);
  const drop = new StateVariable(0.15);
  const density = (heavy ? 120 : 45) / SAMPLE_RATE;
  const level = (heavy ? 0.35 : 0.22) * (inside ? 1.2 : 1);
  let dropLeft = 0;
  let dropEnergy = 0;
  let dropHz = 3_000;
  let dropPan = 0.5;
  return {
    next(out) {
      if (noise.next() < density) {
        dropEnergy = 0.4 + 0.6 * noise.next();
        dropLeft = seconds(0.012);
        dropHz = inside ? 600 + 600 * noise.next() : 1_800 + 3_000 * noise.next();
        dropPan = noise.next();
      }
      let tick = 0;
      if (dropLeft > 0) {
        tick = drop.bandpass(noise.white() * dropEnergy, dropHz) * (dropLeft / seconds(0.012));
        dropLeft--;
      }
      const base = high.highpass(noise.white());
      out[0] += level * (hissL.lowpass(base) + tick * (1 - dropPan));
      out[1] += level * (hissR.lowpass(noise.white() * 0.5 + base * 0.5) + tick * dropPan);
    },
  };
}

function wind(noise: Noise, seed: number): Layer {
  const filterL = new StateVariable(0.35);
  const filterR = new StateVariable(0.35);
  const phase = (seed % 1000) / 97;
  let n = 0;
  return {
    next(out) {
      const t = n++ / SAMPLE_RATE + phase;
      const gust = 0.55 + 0.25 * sineCycles(0.071 * t) + 0.2 * sineCycles(0.173 * t + 0.3);
      const centre = 300 + 500 * gust;
      const source = noise.pink();
      out[0] += 0.9 * gust * filterL.bandpass(source, centre);
      out[1] += 0.9 * gust * filterR.bandpass(source, centre * 1.07);
    },
  };
}

function traffic(noise: Noise, seed: number): Layer {
  const low = new OnePole(180);
  const phase = (seed % 997) / 41;
  let n = 0;
  return {
    next(out) {
      const t = n++ / SAMPLE_RATE + phase;
      const swell = 0.6 + 0.4 * sineCycles(0.05 * t) * sineCycles(0.031 * t + 0.2);
      const value = 0.5 * swell * low.lowpass(noise.brown());
      out[0] += value;
      out[1] += value * 0.9;
    },
  };
}

function waves(noise: Noise): Layer {
  const shapeL = new OnePole(1_200);
  const shapeR = new OnePole(1_100);
  let nextWave = 0;
  let waveLength = seconds(8);
  let age = 0;
  return {
    next(out) {
      if (age >= nextWave) {
        age = 0;
        waveLength = seconds(6 + 5 * noise.next());
        nextWave = waveLength;
      }
      const x = age++ / waveLength;
      // A wave builds, breaks and drains away.
      const envelope = 0.15 + 0.85 * Math.sin(Math.PI * Math.min(1, x * 1.6)) ** 2 * (x < 0.625 ? 1 : 1 - (x - 0.625) / 0.375);
      out[0] += 0.5 * envelope * shapeL.lowpass(noise.white());
      out[1] += 0.5 * envelope * shapeR.lowpass(noise.white());
    },
  };
}

function chirps(noise: Noise, crickets: boolean): Layer {
  let left = 0;
  let length = 1;
  let hz = 3_000;
  let sweep = 0;
  let pan = 0.5;
  let phase = 0;
  const rate = (crickets ? 3 : 0.7) / SAMPLE_RATE;
  return {
    next(out) {
      if (left <= 0 && noise.next() < rate) {
        length = seconds(crickets ? 0.25 : 0.09 + 0.1 * noise.next());
        left = length;
        hz = crickets ? 4_400 : 2_500 + 2_500 * noise.next();
        sweep = crickets ? 0 : (noise.next() - 0.3) * 2_000;
        pan = noise.next();
      }
      if (left <= 0) return;
      const x = 1 - left / length;
      phase += (hz + sweep * x) / SAMPLE_RATE;
      const envelope = Math.sin(Math.PI * x) * (crickets ? 0.5 + 0.5 * Math.sign(sineCycles(x * 12)) : 1);
      const value = 0.05 * envelope * sineCycles(phase);
      out[0] += value * (1 - pan);
      out[1] += value * pan;
      left--;
    },
  };
}

function thunder(noise: Noise): Layer {
  const low = new OnePole(120);
  let wait = seconds(3 + 6 * noise.next());
  let length = 1;
  let left = 0;
  return {
    next(out) {
      if (left <= 0) {
        if (--wait > 0) return;
        length = seconds(2.5 + 2 * noise.next());
        left = length;
        wait = seconds(9 + 12 * noise.next());
      }
      const x = 1 - left-- / length;
      const envelope = Math.min(1, x / 0.04) * Math.exp(-4 * x);
      const value = 2.2 * envelope * low.lowpass(noise.brown());
      out[0] += value;
      out[1] += value;
    },
  };
}

function drone(): Layer {
  let n = 0;
  return {
    next(out) {
      const t = n++ / SAMPLE_RATE;
      const value = 0.12 * sineCycles(55 * t) + 0.08 * sineCycles(55.4 * t) + 0.05 * sineCycles(110.3 * t) * (0.6 + 0.4 * sineCycles(0.1 * t));
      out[0] += value;
      out[1] += value * 0.95 + 0.03 * sineCycles(82.6 * t);
    },
  };
}

/**
 * The ambience of one brief, `frames` long, at `levelDb` (the room tone's
 * RMS is near it; louder layers such as rain sit a few dB above), with
 * raised-cosine fades of `fadeIn`/`fadeOut` frames at its ends.
 */
export function ambienceSource(brief: AmbienceBrief, options: { seed: number; levelDb: number; frames: number; fadeIn: number; fadeOut: number }): StereoSource {
  const seed = (options.seed ^ hashString(ambienceKey(brief))) >>> 0;
  const noise = new Noise(seed);
  const inside = brief.interior === true;
  const layers: Layer[] = ambienceLayers(brief).map((name) => {
    switch (name) {
      case 'room':
        return roomTone(noise);
      case 'hum':
        return hum();
      case 'fans':
        return fans(noise);
      case 'rain':
        return rain(noise, false, inside);
      case 'heavy-rain':
        return rain(noise, true, inside);
      case 'thunder':
        return thunder(noise);
      case 'wind':
        return wind(noise, seed);
      case 'traffic':
        return traffic(noise, seed);
      case 'waves':
        return waves(noise);
      case 'birds':
        return chirps(noise, false);
      case 'crickets':
        return chirps(noise, true);
      case 'drone':
        return drone();
    }
  });
  const gain = dbToGain(options.levelDb) * 12;
  const frame: [number, number] = [0, 0];
  let position = 0;
  return {
    render(out, from, frames) {
      if (from !== position) throw new Error(`ambience renders in order: asked for frame ${from}, at ${position}`);
      for (let i = 0; i < frames; i++) {
        frame[0] = 0;
        frame[1] = 0;
        for (const layer of layers) layer.next(frame);
        const at = from + i;
        const fade = Math.min(fadeShape(at, options.fadeIn), fadeShape(options.frames - at, options.fadeOut));
        out[i * 2] = out[i * 2]! + frame[0] * gain * fade;
        out[i * 2 + 1] = out[i * 2 + 1]! + frame[1] * gain * fade;
      }
      position += frames;
    },
  };
}

function fadeShape(position: number, length: number): number {
  if (length <= 0 || position >= length) return 1;
  if (position <= 0) return 0;
  return Math.sin((0.5 * Math.PI * position) / length);
}

/**
 * The motif library, keyed by the script engine's setting motifs: the type
 * makes a new setting in the engine's vocabulary a compile error here until
 * it has a drawing.
 */
import type { SettingMotif } from '../../../script/engine/analyze.js';
import { abstractData } from './abstract-data.js';
import { cityStreet } from './city-street.js';
import { dataCenter } from './data-center.js';
import { desert } from './desert.js';
import { forest } from './forest.js';
import { interiorRoom } from './interior-room.js';
import type { Motif } from './motif.js';
import { ocean } from './ocean.js';
import { skyline } from './skyline.js';
import { space } from './space.js';

export type MotifName = Exclude<SettingMotif, 'unknown'>;

export const motifs: Readonly<Record<MotifName, Motif>> = {
  'data center': dataCenter,
  'city street': cityStreet,
  skyline,
  'interior room': interiorRoom,
  forest,
  space,
  ocean,
  desert,
  'abstract data': abstractData,
};

export const motifNames = Object.keys(motifs) as MotifName[];

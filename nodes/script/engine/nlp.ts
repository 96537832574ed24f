/**
 * compromise, loaded on first use. Importing it costs about 0.4 s, which
 * every `reelgraph` command paid at start (the node registry imports the
 * script and caption nodes) although only parsing and captioning read it.
 * Its CommonJS build is the same library bundled, and `require` keeps the
 * callers synchronous.
 */
import { createRequire } from 'node:module';
import type compromise from 'compromise';

type Nlp = typeof compromise;

const require = createRequire(import.meta.url);
let loaded: Nlp | undefined;

/** compromise's reading of `text`. */
export function nlp(text: string): ReturnType<Nlp> {
  loaded ??= require('compromise') as Nlp;
  return loaded(text);
}

/**
 * QuickTime / ISO base media atoms ("boxes"), read into a tree and written
 * back: a size, a four-letter type, then content, which for a container is
 * more atoms. Enough to walk and rewrite a movie atom; media data is never
 * read through here.
 */

export interface Atom {
  type: string;
  /** A leaf's content after its header (a full atom's version and flags included); empty for a container. */
  body: Buffer;
  children?: Atom[];
}

/** Atoms that hold only other atoms, on the paths to a track's sample tables, edit list and handler. */
export const CONTAINER_ATOMS: ReadonlySet<string> = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'edts']);

/**
 * The header of the atom at byte `at` of a span ending at `end` (its file's or its container's): how long it is,
 * header included, and what it is. A size of 1 says a 64-bit size follows; 0 says the atom runs to the span's end.
 */
export function atomHeader(header: Buffer, at: number, end: number, malformed: (why: string) => never): { size: number; type: string; headerBytes: number } {
  if (header.length < 8) malformed(`an atom header is cut short at byte ${at}`);
  const type = header.toString('latin1', 4, 8);
  const declared = header.readUInt32BE(0);
  if (declared === 1 && header.length < 16) malformed(`the ${type} atom at byte ${at} is cut short`);
  const headerBytes = declared === 1 ? 16 : 8;
  const size = declared === 1 ? Number(header.readBigUInt64BE(8)) : declared === 0 ? end - at : declared;
  if (size < headerBytes || at + size > end) malformed(`its ${type} atom at byte ${at} overruns what holds it`);
  return { size, type, headerBytes };
}

/** The atoms in `bytes`, containers opened. Leaves' bodies share `bytes`' memory. `malformed` says why it cannot go on. */
export function parseAtoms(bytes: Buffer, malformed: (why: string) => never): Atom[] {
  const atoms: Atom[] = [];
  for (let at = 0; at < bytes.length; ) {
    const { size, type, headerBytes } = atomHeader(bytes.subarray(at, at + 16), at, bytes.length, malformed);
    const body = bytes.subarray(at + headerBytes, at + size);
    atoms.push(CONTAINER_ATOMS.has(type) ? { type, body: Buffer.alloc(0), children: parseAtoms(body, malformed) } : { type, body });
    at += size;
  }
  return atoms;
}

/** `atom` as bytes, every size computed again from what it holds now. */
export function serialiseAtom(atom: Atom): Buffer {
  const content = atom.children ? Buffer.concat(atom.children.map(serialiseAtom)) : atom.body;
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + content.length, 0);
  header.write(atom.type, 4, 'latin1');
  return Buffer.concat([header, content]);
}

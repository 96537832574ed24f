/** How analysis takes its text: the strings of untyped lists, cut to a character budget. */

/** The strings of a list that may come from untyped JSON. */
export function strings(list: unknown): string[] {
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
}

/** Non-blank parts joined with spaces, stopping once `max` characters are reached (a huge scene is never joined in full). */
export function joinCapped(parts: readonly string[], max: number): string {
  let joined = '';
  for (const part of parts) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    joined = joined ? `${joined} ${trimmed}` : trimmed;
    if (joined.length >= max) break;
  }
  return truncate(joined, max);
}

/** At most `max` characters, cut at a space when one is near, never inside a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const space = text.lastIndexOf(' ', max);
  if (space > max * 0.9) return text.slice(0, space);
  const splitsPair = text.charCodeAt(max - 1) >= 0xd800 && text.charCodeAt(max - 1) <= 0xdbff; // a high surrogate
  return text.slice(0, splitsPair ? max - 1 : max);
}

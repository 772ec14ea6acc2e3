/** Finding emoji by their English name and keywords. */
import type { Emoji } from "./emoji";

/**
 * The lowercase words of a text: "flag: South Korea" → flag, south, korea.
 * A hyphen joins ("heart-eyes" is one word), so "heart" names the hearts
 * before the faces with heart-eyes.
 */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}+-]+/u)
    .filter(Boolean);
}

/**
 * The emoji whose name or keywords hold every word of the query, each word
 * anywhere inside one of theirs ("thumb" finds "thumbs up"). Better matches
 * come first; ties keep the list's order. A query of no words finds none.
 */
export function search(list: readonly Emoji[], query: string): Emoji[] {
  const wanted = words(query);
  if (wanted.length === 0) return [];
  const found: { emoji: Emoji; score: number }[] = [];
  for (const emoji of list) {
    const score = match(emoji, wanted);
    if (score !== undefined) found.push({ emoji, score });
  }
  // Array.prototype.sort is stable, so equal scores stay in list order.
  return found.sort((a, b) => a.score - b.score).map((f) => f.emoji);
}

/** Lower is better: the whole name, whole words of it, parts of it, then keywords. */
function match(emoji: Emoji, wanted: string[]): number | undefined {
  const name = words(emoji.name);
  if (name.join(" ") === wanted.join(" ")) return 0;
  if (wanted.every((w) => name.includes(w))) return 1;
  const inName = (w: string) => name.some((n) => n.includes(w));
  if (wanted.every(inName)) return 2;
  const keywords = emoji.keywords.map((k) => k.toLowerCase());
  if (wanted.every((w) => inName(w) || keywords.some((k) => k.includes(w)))) return 3;
  return undefined;
}

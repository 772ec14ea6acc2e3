/**
 * Runs at build time only (the `emojiData` plugin in vite.config.ts): cuts
 * emojibase-data's English list, 760 kB with every skin tone, down to what
 * the picker needs.
 */
// With extensions: vite.config.ts loads this file, and Vite's coming
// native config loader resolves no extensionless imports.
import { GROUPS, type Emoji, type Group } from "./emoji.ts";
import { words } from "./search.ts";

/** The fields of an emojibase-data `data.json` entry that are read here. */
export type Source = {
  emoji: string;
  label: string;
  hexcode: string;
  order?: number;
  group?: number;
  version: number;
  tags?: string[];
};

/** emojibase-data's `meta/hexcodes.json`: per emoji, each form and its qualification (0 = fully). */
export type Hexcodes = Record<string, Record<string, number>>;

/**
 * WebKitGTK on Linux draws emoji with the system's font, which lags Unicode:
 * Debian 12's Noto Color Emoji (2.042) stops at 15.0. Past it, a box.
 */
export const MAX_VERSION = 15.0;

/** emojibase's group numbers; 2 holds the skin-tone and hair components, not offered. */
const BY_NUMBER: Record<number, Group> = {
  0: "smileys",
  1: "people",
  3: "animals",
  4: "food",
  5: "travel",
  6: "activities",
  7: "objects",
  8: "symbols",
  9: "flags",
};

/** Base emoji only (skin tones are left out), in the picker's group order. */
export function derive(source: readonly Source[], hexcodes: Hexcodes): Emoji[] {
  const groupOf = (e: Source) => (e.group === undefined ? undefined : BY_NUMBER[e.group]);
  const place = (e: Source) => GROUPS.indexOf(groupOf(e)!);
  return source
    .filter((e) => groupOf(e) && e.version <= MAX_VERSION)
    .sort((a, b) => place(a) - place(b) || (a.order ?? 0) - (b.order ?? 0))
    .map((e) => {
      const nameWords = new Set(words(e.label));
      return {
        emoji: qualified(e, hexcodes),
        name: e.label,
        group: groupOf(e)!,
        keywords: (e.tags ?? []).filter((tag) => !nameWords.has(tag.toLowerCase())),
      };
    });
}

/**
 * emojibase puts VS16 after every character that has an emoji variation,
 * "👍\u{FE0F}" too; Unicode's fully-qualified form, the one the server
 * stores, has it only where the bare character defaults to text ("❤\u{FE0F}").
 * Reactions are compared as strings, so the picker must send the server's form.
 */
function qualified(e: Source, hexcodes: Hexcodes): string {
  const bare = e.emoji.replace(/\u{FE0F}$/u, "");
  const single = Array.from(bare).length === 1;
  if (bare !== e.emoji && single && hexcodes[e.hexcode]?.[hex(bare)] === 0) return bare;
  return e.emoji;
}

function hex(text: string): string {
  return Array.from(text, (c) =>
    c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0"),
  ).join("-");
}

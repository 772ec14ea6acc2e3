/** The emoji the picker offers: their shape and groups. */

/** The groups in the order the picker shows them; each names its i18n key. */
export const GROUPS = [
  "smileys",
  "people",
  "animals",
  "food",
  "activities",
  "travel",
  "objects",
  "symbols",
  "flags",
] as const;

export type Group = (typeof GROUPS)[number];

export type Emoji = {
  /** Fully-qualified, as Unicode's emoji-test.txt lists it and the server stores it. */
  emoji: string;
  /** The English CLDR name, e.g. "red heart". */
  name: string;
  group: Group;
  /** Search words beyond the name, e.g. "love" for the red heart. */
  keywords: string[];
};

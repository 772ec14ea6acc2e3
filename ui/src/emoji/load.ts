/**
 * Loading the picker's emoji list. It is cut at build time from
 * emojibase-data (see `derive.ts` and the `emojiData` plugin in
 * vite.config.ts) and lives in a chunk of its own, so the main bundle
 * carries none of it until a picker first opens.
 */
import type { Emoji } from "./emoji";

let loaded: readonly Emoji[] | undefined;
let loading: Promise<readonly Emoji[]> | undefined;

/** The list if it has arrived, so a picker opened again shows it at once. */
export function loadedEmoji(): readonly Emoji[] | undefined {
  return loaded;
}

/** Loads the list once; a failed load is forgotten so the next open tries again. */
export function loadEmoji(): Promise<readonly Emoji[]> {
  loading ??= import("virtual:emoji-data").then(
    (module) => (loaded = module.default),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

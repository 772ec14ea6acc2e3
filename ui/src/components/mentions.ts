/**
 * `@name` completion in the composer: which name is being typed at the
 * caret, the members it may mean, and the text with one chosen. Names are
 * as the server reads them (letters, digits, `_`, `-`, `.`, at most 32),
 * after an `@` that does not follow a letter or digit.
 */
import type { MemberView } from "../bindings/ipc";

/** At most this many suggestions show. */
export const MAX_SUGGESTIONS = 8;

const TYPING = /(?:^|[^\p{L}\p{N}])@([\p{L}\p{N}_.-]{0,32})$/u;

/** The name typed right before `caret` (after its `@`), or `null`. */
export function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const m = TYPING.exec(text.slice(0, caret));
  if (!m) return null;
  const query = m[1]!;
  return { start: caret - query.length - 1, query };
}

/** Members whose name starts with `query` first, then those that hold it; not `selfId`. */
export function suggestions(
  members: readonly MemberView[],
  query: string,
  selfId: string,
): MemberView[] {
  const q = query.toLocaleLowerCase();
  const others = members.filter((m) => m.id !== selfId);
  const starts = others.filter((m) => m.name.toLocaleLowerCase().startsWith(q));
  const holds = others.filter((m) => !starts.includes(m) && m.name.toLocaleLowerCase().includes(q));
  return [...starts, ...holds].slice(0, MAX_SUGGESTIONS);
}

/** `text` with the name typed at `start..caret` replaced by `@name `; and where the caret goes. */
export function complete(
  text: string,
  start: number,
  caret: number,
  name: string,
): { text: string; caret: number } {
  const inserted = `@${name} `;
  const after = text.slice(caret).replace(/^ /, "");
  return { text: text.slice(0, start) + inserted + after, caret: start + inserted.length };
}

/**
 * The recent list after picking `emoji`: it comes first, appears once, and
 * the oldest fall off past `max`.
 */
export function withRecent(recent: readonly string[], emoji: string, max = 24): string[] {
  return [...new Set([emoji, ...recent])].slice(0, Math.max(0, max));
}

/**
 * Arrow-key moves in the picker: emoji sit in sections (Recent, then the
 * groups), each laid out in rows of `columns`, each section starting a new
 * row. Positions are flat indexes across all sections, in order.
 */

/** Where `key` moves focus from `at`: an index, "search" (up out of the first row), or undefined for a key not handled. */
export function move(
  sizes: readonly number[],
  at: number,
  key: string,
  columns: number,
): number | "search" | undefined {
  const total = sizes.reduce((sum, n) => sum + n, 0);
  const { section, index } = locate(sizes, at);
  const size = sizes[section] ?? 0;
  const column = index % columns;
  switch (key) {
    case "ArrowLeft":
      return Math.max(0, at - 1);
    case "ArrowRight":
      return Math.min(total - 1, at + 1);
    case "Home":
      return 0;
    case "End":
      return total - 1;
    case "ArrowDown": {
      // A short last row: land on its last emoji rather than skip past it.
      if (index - column + columns < size) return at + Math.min(columns, size - 1 - index);
      const next = sizes[section + 1];
      if (next === undefined) return at;
      return at - index + size + Math.min(column, next - 1);
    }
    case "ArrowUp": {
      if (index >= columns) return at - columns;
      const previous = sizes[section - 1];
      if (previous === undefined) return "search";
      const lastRow = Math.floor((previous - 1) / columns) * columns;
      return at - index - previous + Math.min(lastRow + column, previous - 1);
    }
    default:
      return undefined;
  }
}

function locate(sizes: readonly number[], at: number): { section: number; index: number } {
  let index = at;
  for (let section = 0; section < sizes.length; section++) {
    const size = sizes[section]!;
    if (index < size) return { section, index };
    index -= size;
  }
  return { section: sizes.length - 1, index: (sizes[sizes.length - 1] ?? 1) - 1 };
}

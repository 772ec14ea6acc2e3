import { describe, expect, it } from "vitest";
import { move } from "./grid";

// Two sections in rows of 4: indexes 0–5 (rows 0–3, 4–5) and 6–15 (6–9, 10–13, 14–15).
const sizes = [6, 10];
const at = (from: number, key: string) => move(sizes, from, key, 4);

describe("move", () => {
  it("steps left and right across sections, stopping at the ends", () => {
    expect(at(5, "ArrowRight")).toBe(6);
    expect(at(6, "ArrowLeft")).toBe(5);
    expect(at(0, "ArrowLeft")).toBe(0);
    expect(at(15, "ArrowRight")).toBe(15);
  });

  it("steps down a row in the same column", () => {
    expect(at(1, "ArrowDown")).toBe(5);
    expect(at(7, "ArrowDown")).toBe(11);
  });

  it("lands on the last emoji of a short last row", () => {
    expect(at(11, "ArrowDown")).toBe(15);
    expect(at(3, "ArrowDown")).toBe(5);
  });

  it("goes from a section's last row to the next section's first, same column", () => {
    expect(at(5, "ArrowDown")).toBe(7);
    expect(at(4, "ArrowDown")).toBe(6);
  });

  it("goes up into the previous section's last row, same column or its end", () => {
    expect(at(6, "ArrowUp")).toBe(4);
    expect(at(9, "ArrowUp")).toBe(5);
    expect(at(14, "ArrowUp")).toBe(10);
  });

  it("leaves for the search field above the first row", () => {
    expect(at(2, "ArrowUp")).toBe("search");
  });

  it("stays put at the bottom, jumps with Home and End, ignores other keys", () => {
    expect(at(14, "ArrowDown")).toBe(14);
    expect(at(9, "Home")).toBe(0);
    expect(at(0, "End")).toBe(15);
    expect(at(3, "a")).toBeUndefined();
  });
});

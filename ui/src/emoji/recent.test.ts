import { describe, expect, it } from "vitest";
import { withRecent } from "./recent";

describe("withRecent", () => {
  it("puts a new emoji first", () => {
    expect(withRecent(["👍", "🎉"], "❤️")).toEqual(["❤️", "👍", "🎉"]);
  });

  it("moves an emoji already there to the front, once", () => {
    expect(withRecent(["👍", "❤️", "🎉"], "❤️")).toEqual(["❤️", "👍", "🎉"]);
  });

  it("drops duplicates it was given", () => {
    expect(withRecent(["👍", "🎉", "👍"], "🔥")).toEqual(["🔥", "👍", "🎉"]);
  });

  it("keeps at most max, dropping the oldest", () => {
    const recent = Array.from({ length: 24 }, (_, i) => String(i));
    const next = withRecent(recent, "🔥");
    expect(next).toHaveLength(24);
    expect(next[0]).toBe("🔥");
    expect(next).not.toContain("23");
    expect(withRecent(["a", "b", "c"], "d", 2)).toEqual(["d", "a"]);
  });

  it("leaves the list it was given alone", () => {
    const recent = ["👍"];
    withRecent(recent, "🎉");
    expect(recent).toEqual(["👍"]);
  });
});

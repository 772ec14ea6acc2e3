import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { derive, MAX_VERSION, type Hexcodes, type Source } from "./derive";
import { GROUPS } from "./emoji";
import { loadEmoji } from "./load";

const require = createRequire(import.meta.url);
const source: Source[] = require("emojibase-data/en/data.json");
const hexcodes: Hexcodes = require("emojibase-data/meta/hexcodes.json");
const list = derive(source, hexcodes);
const named = (name: string) => list.find((e) => e.name === name);

describe("derive", () => {
  it("keeps the selector only where Unicode's fully-qualified form has it", () => {
    expect(named("red heart")?.emoji).toBe("\u2764\uFE0F");
    expect(named("smiling face")?.emoji).toBe("\u263A\uFE0F");
    expect(named("thumbs up")?.emoji).toBe("\u{1F44D}");
    expect(named("hot beverage")?.emoji).toBe("\u2615");
    expect(named("keycap: 1")?.emoji).toBe("1\uFE0F\u20E3");
    expect(named("rainbow flag")?.emoji).toBe("\u{1F3F3}\uFE0F\u200D\u{1F308}");
    expect(named("face in clouds")?.emoji).toBe("\u{1F636}\u200D\u{1F32B}\uFE0F");
  });

  it("leaves out skin tones, components and emoji past the version WebKitGTK draws", () => {
    expect(list.some((e) => /[\u{1F3FB}-\u{1F3FF}]/u.test(e.emoji))).toBe(false);
    expect(list.some((e) => e.name.startsWith("regional indicator"))).toBe(false);
    expect(named("phoenix")).toBeUndefined(); // 15.1
    expect(named("shaking face")).toBeDefined(); // 15.0
    const newer = source.filter((e) => e.version > MAX_VERSION).map((e) => e.emoji);
    expect(newer.length).toBeGreaterThan(0);
    expect(list.some((e) => newer.includes(e.emoji))).toBe(false);
  });

  it("orders by the picker's groups, each emoji once", () => {
    const order = list.map((e) => GROUPS.indexOf(e.group));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order).size).toBe(GROUPS.length);
    expect(new Set(list.map((e) => e.emoji)).size).toBe(list.length);
    expect(list[0]?.name).toBe("grinning face");
  });

  it("keeps keywords that add to the name", () => {
    expect(named("red heart")?.keywords).toContain("love");
    expect(named("red heart")?.keywords).not.toContain("heart");
  });

  it("is what the built module serves", async () => {
    expect(await loadEmoji()).toEqual(list);
  });
});

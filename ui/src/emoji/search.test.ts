import { describe, expect, it } from "vitest";
import type { Emoji } from "./emoji";
import { search, words } from "./search";

const e = (emoji: string, name: string, keywords: string[] = []): Emoji => ({
  emoji,
  name,
  group: "smileys",
  keywords,
});
const list = [
  e("😍", "smiling face with heart-eyes", ["love"]),
  e("💔", "broken heart", ["break"]),
  e("❤️", "red heart", ["love"]),
  e("👍", "thumbs up", ["+1", "good"]),
  e("🎉", "party popper", ["celebrate", "tada"]),
  e("🎆", "fireworks", ["celebration"]),
  e("🔥", "fire", ["flame", "lit"]),
  e("🚒", "fire engine", ["truck"]),
  e("🇰🇷", "flag: South Korea", ["KR"]),
];
const found = (query: string) => search(list, query).map((x) => x.emoji);

describe("search", () => {
  it("finds by a word of the name, whole words before parts of words", () => {
    expect(found("heart")).toEqual(["💔", "❤️", "😍"]);
  });

  it("puts the exact name first, then whole words, then parts of words", () => {
    expect(found("fire")).toEqual(["🔥", "🚒", "🎆"]);
  });

  it("finds by part of a word, and by keywords after names", () => {
    expect(found("thumb")).toEqual(["👍"]);
    expect(found("tada")).toEqual(["🎉"]);
    expect(found("love")).toEqual(["😍", "❤️"]);
  });

  it("ignores case and needs every word of the query", () => {
    expect(found("RED Heart")).toEqual(["❤️"]);
    expect(found("korea")).toEqual(["🇰🇷"]);
    expect(found("kr")).toEqual(["🇰🇷"]);
    expect(found("red fire")).toEqual([]);
  });

  it("finds nothing for no match or a query of no words", () => {
    expect(found("zzz")).toEqual([]);
    expect(found("  ")).toEqual([]);
  });

  it("splits names into lowercase words", () => {
    expect(words("flag: South Korea")).toEqual(["flag", "south", "korea"]);
    expect(words("smiling face with heart-eyes")).toEqual([
      "smiling",
      "face",
      "with",
      "heart-eyes",
    ]);
  });
});

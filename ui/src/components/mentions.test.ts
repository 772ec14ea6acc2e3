import { describe, expect, it } from "vitest";
import { bo, me } from "../../test/fixtures";
import { complete, mentionAt, suggestions } from "./mentions";

const ada = { id: "m3", name: "Ada", profileImage: null };
const boris = { id: "m4", name: "Boris", profileImage: null };
const abo = { id: "m5", name: "Abo", profileImage: null };

describe("mentions", () => {
  it("finds the name typed at the caret, not inside a mail address", () => {
    expect(mentionAt("hi @Bo", 6)).toEqual({ start: 3, query: "Bo" });
    expect(mentionAt("@", 1)).toEqual({ start: 0, query: "" });
    expect(mentionAt("mail bo@example", 15)).toBeNull();
    expect(mentionAt("hi @Bo there", 12)).toBeNull();
    expect(mentionAt("안녕 @미나", 6)).toEqual({ start: 3, query: "미나" });
  });

  it("suggests names that start with it first, then ones that hold it, never the member", () => {
    const list = suggestions([me, bo, ada, boris, abo], "bo", me.id);
    expect(list.map((m) => m.name)).toEqual(["Bo", "Boris", "Abo"]);
    expect(suggestions([me, bo], "mi", me.id)).toEqual([]);
  });

  it("completes the name with a space after and puts the caret there", () => {
    expect(complete("hi @Bo", 3, 6, "Boris")).toEqual({ text: "hi @Boris ", caret: 10 });
    expect(complete("@b and more", 0, 2, "Bo")).toEqual({ text: "@Bo and more", caret: 4 });
  });
});

import { describe, expect, it } from "vitest";
import { pickLanguage } from "./i18n";
import { resolveTheme } from "./theme";

describe("theme and language", () => {
  it("follows the OS colour scheme unless the settings pick a theme", () => {
    expect(resolveTheme("system", true)).toBe("dark");
    expect(resolveTheme("system", false)).toBe("light");
    expect(resolveTheme("light", true)).toBe("light");
    expect(resolveTheme("dark", false)).toBe("dark");
  });

  it("follows navigator.language unless the settings pick a language", () => {
    expect(pickLanguage(null, "ko-KR")).toBe("ko");
    expect(pickLanguage(null, "en-GB")).toBe("en");
    expect(pickLanguage(null, "fr-FR")).toBe("en");
    expect(pickLanguage("en", "ko-KR")).toBe("en");
    expect(pickLanguage("ko", "en-US")).toBe("ko");
  });
});

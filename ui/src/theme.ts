/** Applies the theme and language settings to the document. */
import { useEffect } from "react";
import type { Theme } from "./bindings/ipc";
import i18n, { pickLanguage } from "./i18n";

export function resolveTheme(theme: Theme, prefersDark: boolean): "light" | "dark" {
  if (theme === "system") return prefersDark ? "dark" : "light";
  return theme;
}

export function useTheme(theme: Theme): void {
  useEffect(() => {
    const media = window.matchMedia("(prefers-color-scheme: dark)");
    const apply = () => {
      document.documentElement.dataset.theme = resolveTheme(theme, media.matches);
    };
    apply();
    media.addEventListener("change", apply);
    return () => media.removeEventListener("change", apply);
  }, [theme]);
}

export function useLanguage(setting: string | null): void {
  useEffect(() => {
    const lang = pickLanguage(setting, navigator.language);
    document.documentElement.lang = lang;
    if (i18n.language !== lang) void i18n.changeLanguage(lang);
  }, [setting]);
}

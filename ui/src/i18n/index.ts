/** i18next set up with English and Korean, following the OS unless settings say otherwise. */
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { en } from "./en";
import { ko } from "./ko";

export const LANGUAGES = ["en", "ko"] as const;
export type Language = (typeof LANGUAGES)[number];

/** The language to show: the setting if it names one we have, else the OS's, else English. */
export function pickLanguage(
  setting: string | null,
  navigatorLanguage: string | undefined,
): Language {
  const wanted = (setting ?? navigatorLanguage ?? "en").toLowerCase();
  return wanted.startsWith("ko") ? "ko" : "en";
}

void i18n.use(initReactI18next).init({
  resources: { en: { translation: en }, ko: { translation: ko } },
  lng: pickLanguage(null, typeof navigator === "undefined" ? undefined : navigator.language),
  fallbackLng: "en",
  interpolation: { escapeValue: false },
  returnNull: false,
});

export default i18n;

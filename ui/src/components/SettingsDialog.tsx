import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { PreviewPrivacy, Settings, Theme } from "../bindings/ipc";
import { saveSettings } from "../store/store";
import { useSubmit } from "../useSubmit";
import { BlockedMembers } from "./BlockedMembers";
import { Devices } from "./Devices";
import { Dialog } from "./Dialog";

/** The app's settings: notification preview, do-not-disturb, tray, login, theme, language; signed-in devices. */
export function SettingsDialog({ settings, onClose }: { settings: Settings; onClose: () => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(settings);
  const set = <K extends keyof Settings>(key: K, value: Settings[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));

  const form = useSubmit(async () => {
    await saveSettings(draft);
    onClose();
  }, t("dialogs.failed"));

  const check = (key: "doNotDisturb" | "closeToTray" | "startAtLogin", label: string) => (
    <label className="check">
      <input type="checkbox" checked={draft[key]} onChange={(e) => set(key, e.target.checked)} />
      <span>{label}</span>
    </label>
  );

  return (
    <Dialog title={t("settings.title")} onClose={onClose}>
      <form className="dialog-form" onSubmit={form.onSubmit}>
        <label>
          <span>{t("settings.preview")}</span>
          <select
            value={draft.preview}
            onChange={(e) => set("preview", e.target.value as PreviewPrivacy)}
          >
            <option value="senderAndText">{t("settings.previewSenderAndText")}</option>
            <option value="senderOnly">{t("settings.previewSenderOnly")}</option>
            <option value="nothing">{t("settings.previewNothing")}</option>
          </select>
        </label>
        {check("doNotDisturb", t("settings.doNotDisturb"))}
        {check("closeToTray", t("settings.closeToTray"))}
        {check("startAtLogin", t("settings.startAtLogin"))}
        <label>
          <span>{t("settings.theme")}</span>
          <select value={draft.theme} onChange={(e) => set("theme", e.target.value as Theme)}>
            <option value="system">{t("settings.themeSystem")}</option>
            <option value="light">{t("settings.themeLight")}</option>
            <option value="dark">{t("settings.themeDark")}</option>
          </select>
        </label>
        <label>
          <span>{t("settings.language")}</span>
          <select
            value={draft.language ?? ""}
            onChange={(e) => set("language", e.target.value === "" ? null : e.target.value)}
          >
            <option value="">{t("settings.languageSystem")}</option>
            <option value="en">English</option>
            <option value="ko">한국어</option>
          </select>
        </label>
        <p className="form-error" role="alert">
          {form.error}
        </p>
        <div className="dialog-actions">
          <button type="button" className="ghost" onClick={onClose}>
            {t("dialogs.cancel")}
          </button>
          <button type="submit" className="primary" disabled={form.busy}>
            {t("dialogs.save")}
          </button>
        </div>
      </form>
      {/* After the form, so Save stays where it always was. */}
      <Devices />
      <BlockedMembers />
    </Dialog>
  );
}

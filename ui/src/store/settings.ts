/**
 * Settings domain: the app's settings, the notices for the member, and the
 * "missed events were refetched" banner. These outlive a session.
 */
import type { Settings } from "../bindings/ipc";
import type { Step } from "./actions";

export interface SettingsState {
  settings: Settings;
  notices: string[];
  /** Set by a `resynced` event until the member dismisses it. */
  resynced: boolean;
}

export const defaultSettings: Settings = {
  preview: "senderAndText",
  doNotDisturb: false,
  closeToTray: true,
  startAtLogin: false,
  theme: "system",
  language: null,
  mutedChannels: [],
  lastServerUrl: null,
  recentEmoji: [],
};

export const initialSettings: SettingsState = {
  settings: defaultSettings,
  notices: [],
  resynced: false,
};

export function settingsReducer(state: SettingsState, step: Step): Partial<SettingsState> | null {
  switch (step.type) {
    case "snapshot":
      return {
        settings: step.snapshot.settings,
        notices: step.snapshot.notice ? [step.snapshot.notice] : [],
        resynced: false,
      };
    case "settings":
      return { settings: step.settings };
    case "notice":
      return { notices: [...state.notices, step.message] };
    case "noticeDismissed":
      return { notices: state.notices.filter((_, i) => i !== step.index) };
    case "resynced":
      return { resynced: true };
    case "resyncedDismissed":
      return { resynced: false };
    case "session":
      // Signing out keeps the settings and notices; the banner was about that session.
      return step.session === null ? { resynced: false } : null;
    default:
      return null;
  }
}

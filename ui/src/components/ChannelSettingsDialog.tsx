import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { ChannelView } from "../bindings/ipc";
import { errorText } from "../ipc";
import { leaveChannel, setMuted } from "../store/store";
import { Dialog } from "./Dialog";

/** Mute (kept in the app's settings) and leave. */
export function ChannelSettingsDialog({
  channel,
  onClose,
}: {
  channel: ChannelView;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (f: () => Promise<void>, close: boolean) => {
    setError(null);
    try {
      await f();
      if (close) onClose();
    } catch (e) {
      setError(errorText(e, t("dialogs.failed")));
    }
  };
  return (
    <Dialog title={t("channelSettings.title")} onClose={onClose}>
      <div className="dialog-form">
        <label className="check">
          <input
            type="checkbox"
            checked={channel.muted}
            onChange={(e) => void run(() => setMuted(channel.id, e.target.checked), false)}
          />
          <span>
            {t("channelSettings.mute")}
            <small>{t("channelSettings.muteHint")}</small>
          </span>
        </label>
        <label>
          <span>{t("channelSettings.channelId")}</span>
          <input readOnly value={channel.id} onFocus={(e) => e.target.select()} />
        </label>
        <p className="form-error" role="alert">
          {error}
        </p>
        <div className="dialog-actions spread">
          <span className="muted-text">{t("channelSettings.leaveHint")}</span>
          {confirming ? (
            <button
              type="button"
              className="danger"
              onClick={() => void run(() => leaveChannel(channel.id), true)}
            >
              {t("channelSettings.leaveConfirm")}
            </button>
          ) : (
            <button type="button" className="danger-outline" onClick={() => setConfirming(true)}>
              {t("channelSettings.leave")}
            </button>
          )}
        </div>
      </div>
    </Dialog>
  );
}

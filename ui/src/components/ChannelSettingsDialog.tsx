import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { ChannelView, NotificationLevel } from "../bindings/ipc";
import { errorText } from "../ipc";
import { leaveChannel, setLevel } from "../store/store";
import { Dialog } from "./Dialog";

const LEVELS: readonly NotificationLevel[] = ["all", "mentions", "nothing"];

/** What of the channel notifies the member (kept by the server), and leave. */
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
        <fieldset className="levels">
          <legend>{t("channelSettings.level")}</legend>
          {LEVELS.map((level) => (
            <label className="check" key={level}>
              <input
                type="radio"
                name="level"
                value={level}
                checked={channel.level === level && !(channel.muted && level !== "nothing")}
                onChange={() => void run(() => setLevel(channel.id, level), false)}
              />
              <span>
                {t(`channelSettings.level_${level}`)}
                <small>{t(`channelSettings.levelHint_${level}`)}</small>
              </span>
            </label>
          ))}
        </fieldset>
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

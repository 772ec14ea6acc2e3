import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { ChannelView, NotificationLevel } from "../bindings/ipc";
import { errorText } from "../ipc";
import { leaveChannel, setLevel, updateGroup, useAppState } from "../store/store";
import { Dialog } from "./Dialog";

const LEVELS: readonly NotificationLevel[] = ["all", "mentions", "nothing"];

/**
 * A group's name and topic (any member changes them), what of the channel
 * notifies the member (kept by the server), archiving (its creator) and
 * leave.
 */
export function ChannelSettingsDialog({
  channel,
  onClose,
}: {
  channel: ChannelView;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [confirming, setConfirming] = useState(false);
  const [archiving, setArchiving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState(channel.name);
  const [topic, setTopic] = useState(channel.topic);
  const me = useAppState((s) => s.session?.member.id);
  const group = channel.kind === "group";
  const creator = group && channel.creatorId !== null && channel.creatorId === me;
  const edited = name.trim() !== channel.name || topic.trim() !== channel.topic;
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
        {group && (
          <form
            className="group-settings"
            onSubmit={(e) => {
              e.preventDefault();
              void run(
                () => updateGroup(channel.id, { name: name.trim(), topic: topic.trim() }),
                false,
              );
            }}
          >
            <label>
              <span>{t("dialogs.groupName")}</span>
              <input
                required
                maxLength={80}
                disabled={channel.archived}
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            </label>
            <label>
              <span>{t("dialogs.topic")}</span>
              <input
                maxLength={250}
                disabled={channel.archived}
                value={topic}
                onChange={(e) => setTopic(e.target.value)}
              />
            </label>
            <button type="submit" className="ghost" disabled={!edited || channel.archived}>
              {t("dialogs.save")}
            </button>
          </form>
        )}
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
        {creator && (
          <div className="dialog-actions spread">
            <span className="muted-text">
              {channel.archived
                ? t("channelSettings.unarchiveHint")
                : t("channelSettings.archiveHint")}
            </span>
            {channel.archived ? (
              <button
                type="button"
                className="ghost"
                onClick={() => void run(() => updateGroup(channel.id, { archived: false }), false)}
              >
                {t("channelSettings.unarchive")}
              </button>
            ) : archiving ? (
              <button
                type="button"
                className="danger"
                onClick={() => void run(() => updateGroup(channel.id, { archived: true }), true)}
              >
                {t("channelSettings.archiveConfirm")}
              </button>
            ) : (
              <button type="button" className="danger-outline" onClick={() => setArchiving(true)}>
                {t("channelSettings.archive")}
              </button>
            )}
          </div>
        )}
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

import { type FormEvent, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { MemberView } from "../bindings/ipc";
import { commands, errorText } from "../ipc";
import { invite, removeMember, useAppState } from "../store/store";
import { askPresence } from "../store/presence";
import { Avatar, PresenceDot, PresenceText } from "./Avatar";

/** The channel's members, fetched when the panel opens or the count changes. */
export function MembersPanel({
  channelId,
  memberCount,
  creatorId,
  canInvite,
  onClose,
}: {
  channelId: string;
  memberCount: number;
  /** The group's creator, who may remove members (`null` for a direct channel). */
  creatorId: string | null;
  /** Whether members can be added (a group that is not archived). */
  canInvite: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [members, setMembers] = useState<MemberView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState("");
  const me = useAppState((s) => s.session?.member.id);
  const [blocked, setBlocked] = useState<string[]>([]);

  const block = async (member: MemberView) => {
    try {
      await commands.block({ memberId: member.id });
      setBlocked((b) => [...b, member.id]);
    } catch (err) {
      setError(errorText(err, t("dialogs.failed")));
    }
  };

  useEffect(() => {
    let live = true;
    commands
      .members({ channelId })
      .then((m) => {
        if (!live) return;
        setMembers(m);
        askPresence(m.map((x) => x.id));
      })
      .catch((e: unknown) => live && setError(errorText(e, t("members.failed"))));
    return () => {
      live = false;
    };
  }, [channelId, memberCount, t]);

  const remove = async (member: MemberView) => {
    try {
      await removeMember(channelId, member.id);
      setMembers((list) => list?.filter((m) => m.id !== member.id) ?? null);
    } catch (err) {
      setError(errorText(err, t("dialogs.failed")));
    }
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await invite(channelId, name.trim());
      setName("");
    } catch (err) {
      setError(errorText(err, t("dialogs.failed")));
    }
  };

  return (
    <aside className="members-panel" aria-label={t("members.title")}>
      <div className="panel-head">
        <h2>{t("members.title")}</h2>
        <button
          type="button"
          className="icon-button"
          onClick={onClose}
          aria-label={t("members.close")}
        >
          ×
        </button>
      </div>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      {members === null && !error && <p className="muted-text">{t("members.loading")}</p>}
      <ul className="member-list">
        {members?.map((m) => (
          <li key={m.id}>
            <span className="avatar-with-presence">
              <Avatar id={m.id} name={m.name} size={28} />
              <PresenceDot memberId={m.id} silent />
            </span>
            <span dir="auto">{m.name}</span>
            <PresenceText memberId={m.id} />
            {m.id === creatorId && <span className="muted-text">{t("members.creator")}</span>}
            {canInvite && me === creatorId && m.id !== me && (
              <button
                type="button"
                className="ghost block-state"
                aria-label={t("members.removeName", { name: m.name })}
                onClick={() => void remove(m)}
              >
                {t("members.remove")}
              </button>
            )}
            {m.id !== me &&
              (blocked.includes(m.id) ? (
                <span className="muted-text block-state">{t("members.blocked")}</span>
              ) : (
                <button
                  type="button"
                  className="ghost block-state"
                  aria-label={t("members.blockName", { name: m.name })}
                  title={t("members.blockHint")}
                  onClick={() => void block(m)}
                >
                  {t("members.block")}
                </button>
              ))}
          </li>
        ))}
      </ul>
      {canInvite && (
        <form className="invite" onSubmit={(e) => void submit(e)}>
          <label>
            <span>{t("members.invite")}</span>
            <input required value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <button type="submit" className="ghost">
            {t("members.inviteButton")}
          </button>
        </form>
      )}
    </aside>
  );
}

import { type ReactNode, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { ListedGroupView } from "../bindings/ipc";
import { commands, errorText } from "../ipc";
import { createGroup, joinChannel, openChannel, openDirect } from "../store/store";
import { useSubmit } from "../useSubmit";
import { Dialog } from "./Dialog";

/** A dialog with a form whose submit calls the shell and shows failures in words. */
function FormDialog({
  title,
  submitLabel,
  onClose,
  onSubmit,
  children,
}: {
  title: string;
  submitLabel: string;
  onClose: () => void;
  onSubmit: () => Promise<void>;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const form = useSubmit(async () => {
    await onSubmit();
    onClose();
  }, t("dialogs.failed"));
  return (
    <Dialog title={title} onClose={onClose}>
      <form className="dialog-form" onSubmit={form.onSubmit}>
        {children}
        <p className="form-error" role="alert">
          {form.error}
        </p>
        <div className="dialog-actions">
          <button type="button" className="ghost" onClick={onClose}>
            {t("dialogs.cancel")}
          </button>
          <button type="submit" className="primary" disabled={form.busy}>
            {submitLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function NewGroupDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState("");
  const [members, setMembers] = useState("");
  const [topic, setTopic] = useState("");
  const [isPrivate, setPrivate] = useState(false);
  const names = members
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter(Boolean);
  return (
    <FormDialog
      title={t("sidebar.newGroup")}
      submitLabel={t("dialogs.create")}
      onClose={onClose}
      onSubmit={() => createGroup(name.trim(), names, topic.trim(), isPrivate)}
    >
      <label>
        <span>{t("dialogs.groupName")}</span>
        <input required maxLength={80} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        <span>{t("dialogs.topic")}</span>
        <input maxLength={250} value={topic} onChange={(e) => setTopic(e.target.value)} />
      </label>
      <label>
        <span>{t("dialogs.memberNames")}</span>
        <input value={members} onChange={(e) => setMembers(e.target.value)} />
      </label>
      <label className="check">
        <input type="checkbox" checked={isPrivate} onChange={(e) => setPrivate(e.target.checked)} />
        <span>
          {t("dialogs.private")}
          <small>{t("dialogs.privateHint")}</small>
        </span>
      </label>
    </FormDialog>
  );
}

export function NewDirectDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState("");
  return (
    <FormDialog
      title={t("sidebar.newDirect")}
      submitLabel={t("dialogs.open")}
      onClose={onClose}
      onSubmit={() => openDirect(name.trim())}
    >
      <label>
        <span>{t("dialogs.memberName")}</span>
        <input required value={name} onChange={(e) => setName(e.target.value)} />
      </label>
    </FormDialog>
  );
}

/** The directory: public groups to browse and search, join or open. */
export function DirectoryDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const [query, setQuery] = useState("");
  const [groups, setGroups] = useState<ListedGroupView[] | null>(null);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    // Asked a moment after the last key, not at every key.
    const timer = setTimeout(() => {
      commands
        .directory({ query, offset: 0 })
        .then((page) => {
          if (!live) return;
          setGroups(page.groups);
          setHasMore(page.hasMore);
          setError(null);
        })
        .catch((e: unknown) => live && setError(errorText(e, t("directory.failed"))));
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [query, t]);

  const more = async () => {
    try {
      const page = await commands.directory({ query, offset: groups?.length ?? 0 });
      setGroups((g) => [...(g ?? []), ...page.groups]);
      setHasMore(page.hasMore);
    } catch (e) {
      setError(errorText(e, t("directory.failed")));
    }
  };
  const enter = async (group: ListedGroupView) => {
    try {
      if (group.joined) await openChannel(group.id);
      else await joinChannel(group.id);
      onClose();
    } catch (e) {
      setError(errorText(e, t("dialogs.failed")));
    }
  };

  return (
    <Dialog title={t("directory.title")} onClose={onClose}>
      <div className="dialog-form directory">
        <label>
          <span>{t("directory.search")}</span>
          <input
            type="search"
            autoFocus
            maxLength={100}
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </label>
        <p className="form-error" role="alert">
          {error}
        </p>
        {groups === null && !error && <p className="muted-text">{t("directory.loading")}</p>}
        {groups?.length === 0 && (
          <p className="muted-text">
            {query.trim() === "" ? t("directory.none") : t("directory.noMatch", { query })}
          </p>
        )}
        <ul className="directory-list" aria-label={t("directory.title")}>
          {groups?.map((g) => (
            <li key={g.id}>
              <div className="directory-group">
                <span className="directory-name" dir="auto">
                  <span className="hash" aria-hidden="true">
                    #
                  </span>
                  {g.name}
                </span>
                <span className="muted-text">
                  {t("conversation.memberCount", { count: g.memberCount })}
                </span>
                {g.topic !== "" && (
                  <span className="directory-topic" dir="auto">
                    {g.topic}
                  </span>
                )}
              </div>
              <button
                type="button"
                className={g.joined ? "ghost" : "primary"}
                aria-label={t(g.joined ? "directory.openName" : "directory.joinName", {
                  name: g.name,
                })}
                onClick={() => void enter(g)}
              >
                {g.joined ? t("dialogs.open") : t("dialogs.join")}
              </button>
            </li>
          ))}
        </ul>
        {hasMore && (
          <button type="button" className="ghost" onClick={() => void more()}>
            {t("directory.more")}
          </button>
        )}
        <p className="muted-text">{t("directory.privateHint")}</p>
      </div>
    </Dialog>
  );
}

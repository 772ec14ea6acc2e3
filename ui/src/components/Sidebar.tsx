import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { askPresence } from "../store/presence";
import { useAnyoneTyping } from "../store/typing";
import type { ChannelView } from "../bindings/ipc";
import { Avatar, PresenceDot, PresenceText } from "./Avatar";

export type SidebarDialog = "newGroup" | "newDirect" | "join" | "settings";

/** A channel that notifies nothing: muted here (before levels) or set to "nothing". */
export function silenced(c: ChannelView): boolean {
  return c.muted || c.level === "nothing";
}

/** Channels grouped Direct / Groups, newest activity first, with unread badges. */
export function Sidebar({
  channels,
  currentId,
  memberName,
  memberId,
  onOpen,
  onDialog,
  onSignOut,
  onSearch,
}: {
  channels: ChannelView[];
  currentId: string | null;
  memberName: string;
  memberId: string;
  onOpen: (id: string) => void;
  onDialog: (d: SidebarDialog) => void;
  onSignOut: () => void;
  /** The member asked to search for what they typed. */
  onSearch: (query: string) => void;
}) {
  const { t } = useTranslation();
  const [query, setQuery] = useState("");
  const direct = channels.filter((c) => c.kind === "direct");
  const partners = direct.map((c) => c.directMemberId ?? "").join(" ");
  // Where the people of direct messages stand; their changes follow.
  useEffect(() => {
    askPresence(partners.split(" ").filter((id) => id !== ""));
  }, [partners]);
  const groups = channels.filter((c) => c.kind === "group");

  const section = (title: string, list: ChannelView[], add: SidebarDialog, addLabel: string) => (
    <section className="channel-section" aria-label={title}>
      <div className="section-head">
        <h2>{title}</h2>
        <button
          type="button"
          className="icon-button small"
          onClick={() => onDialog(add)}
          aria-label={addLabel}
          title={addLabel}
        >
          +
        </button>
      </div>
      <ul>
        {list.map((c) => (
          <li key={c.id}>
            <button
              type="button"
              className={`channel${c.id === currentId ? " current" : ""}${c.unread > 0 ? " unread" : ""}${silenced(c) ? " muted" : ""}`}
              aria-current={c.id === currentId ? "page" : undefined}
              onClick={() => onOpen(c.id)}
              data-channel-id={c.id}
            >
              {c.kind === "direct" ? (
                <span className="avatar-with-presence">
                  <Avatar id={c.id} name={c.name} size={20} />
                  <PresenceDot memberId={c.directMemberId} silent />
                </span>
              ) : (
                <span className="hash" aria-hidden="true">
                  #
                </span>
              )}
              <span className="channel-name" dir="auto">
                {c.name}
              </span>
              {c.kind === "direct" && <PresenceText memberId={c.directMemberId} />}
              {c.kind === "direct" && <DirectTyping channelId={c.id} />}
              {silenced(c) && <span className="visually-hidden">{t("sidebar.muted")}</span>}
              {c.mentions > 0 && (
                <span
                  className="mention-badge"
                  aria-label={t("sidebar.mentions", { count: c.mentions })}
                >
                  @
                </span>
              )}
              {c.unread > 0 && (
                <span
                  className={`badge${c.level === "mentions" && c.mentions === 0 ? " quiet" : ""}`}
                  aria-label={t("sidebar.unread", { count: c.unread })}
                >
                  {c.unread > 99 ? "99+" : c.unread}
                </span>
              )}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );

  return (
    <nav className="sidebar" aria-label={t("sidebar.label")}>
      <div className="sidebar-head">
        <span className="workspace">{t("app.name")}</span>
        <button type="button" className="ghost small" onClick={() => onDialog("join")}>
          {t("sidebar.join")}
        </button>
      </div>
      <form
        role="search"
        className="sidebar-search"
        onSubmit={(e) => {
          e.preventDefault();
          if (query.trim() !== "") onSearch(query.trim());
        }}
      >
        <input
          type="search"
          id="message-search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          aria-label={t("search.label")}
          placeholder={t("search.placeholder")}
          title={t("search.hint")}
          maxLength={1000}
          enterKeyHint="search"
        />
      </form>
      <div className="channel-scroll">
        {section(t("sidebar.direct"), direct, "newDirect", t("sidebar.newDirect"))}
        {section(t("sidebar.groups"), groups, "newGroup", t("sidebar.newGroup"))}
        {channels.length === 0 && <p className="sidebar-empty">{t("sidebar.empty")}</p>}
      </div>
      <div className="sidebar-foot">
        <Avatar id={memberId} name={memberName} size={28} />
        <span className="me" dir="auto" title={t("sidebar.signedInAs", { name: memberName })}>
          {memberName}
        </span>
        <button
          type="button"
          className="icon-button"
          onClick={() => onDialog("settings")}
          aria-label={t("sidebar.settings")}
          title={t("sidebar.settings")}
        >
          ⚙
        </button>
        <button
          type="button"
          className="icon-button"
          onClick={onSignOut}
          aria-label={t("sidebar.signOut")}
          title={t("sidebar.signOut")}
        >
          <svg
            width="18"
            height="18"
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            strokeWidth="2"
            strokeLinecap="round"
            strokeLinejoin="round"
            aria-hidden="true"
          >
            <path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4" />
            <polyline points="16 17 21 12 16 7" />
            <line x1="21" y1="12" x2="9" y2="12" />
          </svg>
        </button>
      </div>
    </nav>
  );
}

/** "typing…" beside a direct message whose other member types in it. */
function DirectTyping({ channelId }: { channelId: string }) {
  const { t } = useTranslation();
  if (!useAnyoneTyping(channelId)) return null;
  return <span className="channel-typing">{t("typing.short")}</span>;
}

import { useEffect, useMemo, useState } from "react";
import { followAway } from "./store/presence";
import { useTranslation } from "react-i18next";
import { ChannelSettingsDialog } from "./components/ChannelSettingsDialog";
import { ChannelSwitcher } from "./components/ChannelSwitcher";
import { DirectoryDialog, NewDirectDialog, NewGroupDialog } from "./components/ChannelDialogs";
import { ConnectionBanner } from "./components/ConnectionBanner";
import { Conversation } from "./components/Conversation";
import { LiveRegion } from "./components/LiveRegion";
import { MembersPanel } from "./components/MembersPanel";
import { SearchPanel } from "./components/SearchPanel";
import { SettingsDialog } from "./components/SettingsDialog";
import { Sidebar, type SidebarDialog } from "./components/Sidebar";
import { SignIn } from "./components/SignIn";
import { currentChannel } from "./store/channels";
import { errorText } from "./ipc";
import {
  closeThread,
  jumpToFirstUnread,
  openChannel,
  resetStart,
  retryNow,
  signOut,
  start,
  useAppState,
  useStore,
} from "./store/store";
import { useLanguage, useTheme } from "./theme";

type OpenDialog = SidebarDialog | "switcher" | "channelSettings" | null;

export function App() {
  const { t } = useTranslation();
  const ready = useAppState((s) => s.ready);
  const session = useAppState((s) => s.session);
  const settings = useAppState((s) => s.settings);
  const channels = useAppState((s) => s.channels);
  const connection = useAppState((s) => s.connection);
  const resynced = useAppState((s) => s.resynced);
  const notices = useAppState((s) => s.notices);
  const channel = useAppState(currentChannel);
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [membersOpen, setMembersOpen] = useState(false);
  const [threadSlot, setThreadSlot] = useState<HTMLElement | null>(null);
  /** What the member searched for; `null`: no results open. */
  const [search, setSearch] = useState<{ query: string; asked: number } | null>(null);
  const threadOpen = useAppState((s) => s.thread !== null);
  const dispatch = useStore((s) => s.dispatch);

  useTheme(settings.theme);
  useLanguage(settings.language);

  const [startError, setStartError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    start().catch((e: unknown) => setStartError(errorText(e, t("app.startFailed"))));
  }, [attempt, t]);

  // Away after a while without input in the window; back at the next.
  const signedIn = session !== null;
  useEffect(() => (signedIn ? followAway() : undefined), [signedIn]);

  useEffect(() => {
    if (!resynced) return;
    const timer = setTimeout(() => dispatch({ type: "resyncedDismissed" }), 8000);
    return () => clearTimeout(timer);
  }, [resynced, dispatch]);

  // The window title carries the unread count of unmuted channels, like other chat apps.
  const unread = channels.reduce((n, c) => (c.muted ? n : n + c.unread), 0);
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) ${t("app.name")}` : t("app.name");
  }, [unread, t]);

  // The sidebar's visual order: direct messages, then groups.
  const ordered = useMemo(
    () => [
      ...channels.filter((c) => c.kind === "direct"),
      ...channels.filter((c) => c.kind === "group"),
    ],
    [channels],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!session) return;
      if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.key.toLowerCase() === "f") {
        // Ctrl+Shift+F: to the search box (as in Slack's and Teams' desktop apps).
        e.preventDefault();
        document.getElementById("message-search")?.focus();
      } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        setDialog((d) => (d === "switcher" ? null : "switcher"));
      } else if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown") && !dialog) {
        e.preventDefault();
        if (ordered.length === 0) return;
        const at = ordered.findIndex((c) => c.id === channel?.id);
        const step = e.key === "ArrowUp" ? -1 : 1;
        const next = at < 0 ? 0 : (at + step + ordered.length) % ordered.length;
        void openChannel(ordered[next]!.id);
      } else if (e.shiftKey && e.key === "PageUp" && channel && !dialog) {
        // Shift+PageUp: to the first unread message (as in Element and Discord).
        e.preventDefault();
        void jumpToFirstUnread(channel.id);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [session, ordered, channel, dialog]);

  if (!ready && startError) {
    return (
      <main className="empty-state">
        <div>
          <p role="alert">{startError}</p>
          <button
            type="button"
            className="primary"
            onClick={() => {
              resetStart();
              setStartError(null);
              setAttempt((n) => n + 1);
            }}
          >
            {t("app.retry")}
          </button>
        </div>
      </main>
    );
  }
  if (!ready) return <div className="splash" aria-busy="true" />;
  const close = () => setDialog(null);

  return (
    <>
      <ConnectionBanner
        connection={session ? connection : { state: "live", transport: "none" }}
        resynced={resynced}
        onRetry={() => void retryNow()}
        onDismissResynced={() => dispatch({ type: "resyncedDismissed" })}
      />
      {notices.map((n, i) => (
        <div className="notice" role="alert" key={`${i}-${n}`}>
          <span>{n}</span>
          <button
            type="button"
            className="banner-action"
            onClick={() => dispatch({ type: "noticeDismissed", index: i })}
          >
            {t("notices.dismiss")}
          </button>
        </div>
      ))}
      {!session ? (
        <SignIn lastServerUrl={settings.lastServerUrl} />
      ) : (
        <div className="layout">
          <Sidebar
            channels={channels}
            currentId={channel?.id ?? null}
            memberName={session.member.name}
            memberId={session.member.id}
            onOpen={(id) => void openChannel(id)}
            onDialog={setDialog}
            onSignOut={() => void signOut().catch(() => undefined)}
            onSearch={(query) => {
              closeThread();
              setMembersOpen(false);
              setSearch((was) => ({ query, asked: (was?.asked ?? 0) + 1 }));
            }}
          />
          <main className="conversation">
            {channel ? (
              <Conversation
                key={channel.id}
                channel={channel}
                me={session.member}
                membersOpen={membersOpen}
                onToggleMembers={() => setMembersOpen((o) => !o)}
                onChannelSettings={() => setDialog("channelSettings")}
                threadSlot={threadSlot}
              />
            ) : (
              <div className="empty-state">
                <p>{t("conversation.empty")}</p>
              </div>
            )}
          </main>
          <div className="thread-slot" ref={setThreadSlot} hidden={!threadOpen} />
          {search !== null && (
            // Kept (hidden) while a thread it opened is shown, so closing
            // the thread comes back to the results.
            <div className="search-slot" hidden={threadOpen}>
              <SearchPanel
                key={search.asked}
                query={search.query}
                channels={channels}
                onClose={() => setSearch(null)}
              />
            </div>
          )}
          {channel && membersOpen && !threadOpen && search === null && (
            <MembersPanel
              key={`${channel.id}-${channel.memberCount}`}
              channelId={channel.id}
              memberCount={channel.memberCount}
              creatorId={channel.creatorId}
              canInvite={channel.kind === "group" && !channel.archived}
              onClose={() => setMembersOpen(false)}
            />
          )}
        </div>
      )}
      <LiveRegion />
      {dialog === "newGroup" && <NewGroupDialog onClose={close} />}
      {dialog === "newDirect" && <NewDirectDialog onClose={close} />}
      {dialog === "join" && <DirectoryDialog onClose={close} />}
      {dialog === "settings" && <SettingsDialog settings={settings} onClose={close} />}
      {dialog === "switcher" && (
        <ChannelSwitcher channels={ordered} onOpen={(id) => void openChannel(id)} onClose={close} />
      )}
      {dialog === "channelSettings" && channel && (
        <ChannelSettingsDialog channel={channel} onClose={close} />
      )}
    </>
  );
}

import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import type { ChannelView } from "../bindings/ipc";
import { Dialog } from "./Dialog";

/** Ctrl/Cmd+K: type to filter, arrows to move, Enter to open. */
export function ChannelSwitcher({
  channels,
  onOpen,
  onClose,
}: {
  channels: ChannelView[];
  onOpen: (id: string) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const listId = useId();
  const q = query.trim().toLowerCase();
  const matches = channels.filter((c) => c.name.toLowerCase().includes(q));
  const current = Math.min(active, Math.max(0, matches.length - 1));

  const choose = (c: ChannelView | undefined) => {
    if (!c) return;
    onOpen(c.id);
    onClose();
  };

  return (
    <Dialog title={t("switcher.title")} onClose={onClose} className="switcher">
      <input
        role="combobox"
        aria-expanded="true"
        aria-controls={listId}
        aria-activedescendant={matches[current] ? `${listId}-${current}` : undefined}
        aria-label={t("switcher.title")}
        placeholder={t("switcher.placeholder")}
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setActive((current + 1) % Math.max(1, matches.length));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((current - 1 + matches.length) % Math.max(1, matches.length));
          } else if (e.key === "Enter") {
            e.preventDefault();
            choose(matches[current]);
          }
        }}
      />
      <ul id={listId} role="listbox" className="switcher-list" aria-label={t("switcher.title")}>
        {matches.map((c, i) => (
          <li
            key={c.id}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === current}
            className={i === current ? "active" : undefined}
            onMouseDown={(e) => {
              e.preventDefault();
              choose(c);
            }}
          >
            <span aria-hidden="true">{c.kind === "group" ? "#" : "@"}</span>
            <span dir="auto">{c.name}</span>
            {c.unread > 0 && <span className="badge">{c.unread}</span>}
          </li>
        ))}
        {matches.length === 0 && <li className="muted-text">{t("switcher.none")}</li>}
      </ul>
    </Dialog>
  );
}

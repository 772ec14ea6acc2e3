import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { onIncoming } from "../announce";
import { useStore } from "../store/store";

const MAX_SPOKEN = 200;

/** Announces new messages from others to screen readers, politely. */
export function LiveRegion() {
  const { t } = useTranslation();
  const [text, setText] = useState("");
  useEffect(
    () =>
      onIncoming((event) => {
        const { state } = useStore.getState();
        if (event.kind !== "chat" || event.member.id === state.session?.member.id) return;
        const channel = state.channels.find((c) => c.id === event.channelId);
        if (!channel || channel.muted) return;
        if (state.view?.channelId === event.channelId) {
          const body = Array.from(event.text ?? "")
            .slice(0, MAX_SPOKEN)
            .join("");
          setText(t("conversation.announce", { name: event.member.name, text: body }));
        } else {
          setText(t("conversation.announceOther", { channel: channel.name }));
        }
      }),
    [t],
  );
  return (
    <div className="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="announcer">
      {text}
    </div>
  );
}

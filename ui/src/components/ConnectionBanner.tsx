import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { ConnectionView } from "../bindings/ipc";

/** "Reconnecting in N s", counting down locally from the shell's `inSecs`. */
function Countdown({ from }: { from: number }) {
  const { t } = useTranslation();
  const [left, setLeft] = useState(from);
  useEffect(() => {
    const started = Date.now();
    const timer = setInterval(() => {
      setLeft(Math.max(0, from - Math.floor((Date.now() - started) / 1000)));
    }, 250);
    return () => clearInterval(timer);
  }, [from]);
  return (
    <span>
      {left > 0 ? t("connection.reconnecting", { count: left }) : t("connection.reconnectingNow")}
    </span>
  );
}

/** Connecting / reconnecting with "retry now" / signed out / resynced. */
export function ConnectionBanner({
  connection,
  resynced,
  onRetry,
  onDismissResynced,
}: {
  connection: ConnectionView;
  resynced: boolean;
  onRetry: () => void;
  onDismissResynced: () => void;
}) {
  const { t } = useTranslation();

  let body: React.ReactNode = null;
  let tone = "info";
  if (connection.state === "connecting") {
    body = <span>{t("connection.connecting")}</span>;
  } else if (connection.state === "reconnecting") {
    tone = "warn";
    body = (
      <>
        <Countdown key={`${connection.attempt}-${connection.inSecs}`} from={connection.inSecs} />
        <button type="button" className="banner-action" onClick={onRetry}>
          {t("connection.retryNow")}
        </button>
      </>
    );
  } else if (connection.state === "signedOut") {
    tone = "warn";
    body = <span>{t("connection.signedOut")}</span>;
  } else if (connection.state === "signInAgain") {
    tone = "warn";
    body = <span>{t("connection.signInAgain")}</span>;
  } else if (resynced) {
    tone = "ok";
    body = (
      <>
        <span>{t("connection.resynced")}</span>
        <button type="button" className="banner-action" onClick={onDismissResynced}>
          {t("connection.dismiss")}
        </button>
      </>
    );
  }

  return (
    <div className="banner-slot" role="status">
      {body && <div className={`banner ${tone}`}>{body}</div>}
    </div>
  );
}

import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { MemberView } from "../bindings/ipc";
import { commands, errorText } from "../ipc";

/** The members this member has blocked, each with a way to unblock them. */
export function BlockedMembers() {
  const { t } = useTranslation();
  const [members, setMembers] = useState<MemberView[] | null>(null);
  const [error, setError] = useState("");
  const [asked, setAsked] = useState(0);

  useEffect(() => {
    let live = true;
    commands
      .blocked()
      .then((list) => live && setMembers(list))
      .catch((e: unknown) => live && setError(errorText(e, t("blocked.failed"))));
    return () => {
      live = false;
    };
  }, [asked, t]);

  const unblock = async (member: MemberView) => {
    try {
      await commands.unblock({ memberId: member.id });
      setError("");
      setAsked((n) => n + 1);
    } catch (e) {
      setError(errorText(e, t("blocked.failed")));
    }
  };

  return (
    <section className="devices" aria-labelledby="blocked-title">
      <h3 id="blocked-title">{t("blocked.title")}</h3>
      {members !== null && members.length === 0 && (
        <p className="muted-text">{t("blocked.none")}</p>
      )}
      {members !== null && members.length > 0 && (
        <ul>
          {members.map((m) => (
            <li key={m.id}>
              <span dir="auto">{m.name}</span>
              <button
                type="button"
                className="ghost"
                aria-label={t("blocked.unblockName", { name: m.name })}
                onClick={() => void unblock(m)}
              >
                {t("blocked.unblock")}
              </button>
            </li>
          ))}
        </ul>
      )}
      <p className="form-error" role="alert">
        {error}
      </p>
    </section>
  );
}

import { useTranslation } from "react-i18next";
import type { MemberView } from "../bindings/ipc";
import { commands } from "../ipc";
import { useListed } from "../useListed";

/** The members this member has blocked, each with a way to unblock them. */
export function BlockedMembers() {
  const { t } = useTranslation();
  const { items: members, error, change } = useListed(commands.blocked, t("blocked.failed"));
  const unblock = (member: MemberView) => change(() => commands.unblock({ memberId: member.id }));

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

import { useTranslation } from "react-i18next";
import { commands } from "../ipc";
import { useListed } from "../useListed";

function when(iso: string | null, locale: string): string {
  if (iso === null) return "";
  return new Date(iso).toLocaleString(locale, { dateStyle: "medium", timeStyle: "short" });
}

/** The member's signed-in devices (sessions), each but this one with a way to sign it out. */
export function Devices() {
  const { t, i18n } = useTranslation();
  const { items: devices, error, change } = useListed(commands.devices, t("devices.failed"));
  const end = (id: string) => change(() => commands.endDevice({ id }));

  return (
    <section className="devices" aria-labelledby="devices-title">
      <h3 id="devices-title">{t("devices.title")}</h3>
      {devices === null && error === "" && <p>{t("devices.loading")}</p>}
      {devices !== null && (
        <ul>
          {devices.map((d) => (
            <li key={d.id}>
              <div className="device">
                <strong>{d.device ?? t("devices.unknown")}</strong>
                <span className="muted-text">
                  {[
                    d.address,
                    t("devices.lastSeen", {
                      when: when(d.lastSeenAt ?? d.createdAt, i18n.language),
                    }),
                  ]
                    .filter(Boolean)
                    .join(" · ")}
                </span>
              </div>
              {d.current ? (
                <span className="muted-text">{t("devices.thisOne")}</span>
              ) : (
                <button
                  type="button"
                  className="ghost"
                  aria-label={t("devices.signOutOf", { device: d.device ?? t("devices.unknown") })}
                  onClick={() => void end(d.id)}
                >
                  {t("devices.signOut")}
                </button>
              )}
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

import { useTranslation } from "react-i18next";
import { usePresence } from "../store/presence";
import { avatarHue, initials } from "../format";

/** An initials avatar; decorative, since the name is always shown beside it. */
export function Avatar({ id, name, size = 36 }: { id: string; name: string; size?: number }) {
  // Two letters do not fit a small avatar legibly.
  const small = size < 24;
  const letters = initials(name);
  return (
    <span
      className="avatar"
      aria-hidden="true"
      style={{
        width: size,
        height: size,
        fontSize: small ? size * 0.55 : size * 0.4,
        ["--hue" as string]: avatarHue(id),
      }}
    >
      {small ? Array.from(letters)[0] : letters}
    </span>
  );
}

/**
 * A member's presence as a dot: green there, hollow away, grey offline.
 * With `silent`, screen readers skip it (the presence is said in words
 * elsewhere, after the name: `PresenceText`).
 */
export function PresenceDot({
  memberId,
  silent = false,
}: {
  memberId: string | null;
  silent?: boolean;
}) {
  const { t } = useTranslation();
  const presence = usePresence(memberId);
  const label = t(`presence.${presence}`);
  return silent ? (
    <span className={`presence-dot ${presence}`} aria-hidden="true" title={label} />
  ) : (
    <span className={`presence-dot ${presence}`} role="img" aria-label={label} title={label} />
  );
}

/** A member's presence in words for screen readers, after their name. */
export function PresenceText({ memberId }: { memberId: string | null }) {
  const { t } = useTranslation();
  return <span className="visually-hidden">, {t(`presence.${usePresence(memberId)}`)}</span>;
}

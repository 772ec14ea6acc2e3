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

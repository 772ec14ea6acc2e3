import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { errorText } from "../ipc";
import { signIn } from "../store/store";

/** Sign in or sign up: server URL, name, password; failures shown in words. */
export function SignIn({ lastServerUrl }: { lastServerUrl: string | null }) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<"signIn" | "signUp">("signIn");
  const [serverUrl, setServerUrl] = useState(lastServerUrl ?? "");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(mode, serverUrl.trim(), name.trim(), password);
    } catch (err) {
      setError(errorText(err, t("signIn.failed")));
      setBusy(false);
    }
  };

  const signUp = mode === "signUp";
  return (
    <main className="signin">
      <form
        className="signin-card"
        onSubmit={(e) => void submit(e)}
        aria-describedby="signin-error"
      >
        <div className="brand" aria-hidden="true">
          S
        </div>
        <h1>{signUp ? t("signIn.titleSignUp") : t("signIn.title")}</h1>
        <label>
          <span>{t("signIn.server")}</span>
          <input
            type="url"
            required
            autoComplete="url"
            placeholder="https://chat.example.com"
            value={serverUrl}
            onChange={(e) => setServerUrl(e.target.value)}
          />
        </label>
        <label>
          <span>{t("signIn.name")}</span>
          <input
            required
            autoComplete="username"
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoFocus={serverUrl !== ""}
          />
        </label>
        <label>
          <span>{t("signIn.password")}</span>
          <input
            type="password"
            required
            autoComplete={signUp ? "new-password" : "current-password"}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <p id="signin-error" className="form-error" role="alert">
          {error}
        </p>
        <button className="primary wide" type="submit" disabled={busy}>
          {busy ? t("signIn.busy") : signUp ? t("signIn.submitSignUp") : t("signIn.submit")}
        </button>
        <button
          type="button"
          className="link"
          onClick={() => {
            setMode(signUp ? "signIn" : "signUp");
            setError(null);
          }}
        >
          {signUp ? t("signIn.switchToSignIn") : t("signIn.switchToSignUp")}
        </button>
      </form>
    </main>
  );
}

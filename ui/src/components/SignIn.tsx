import { useState } from "react";
import { useTranslation } from "react-i18next";
import { signIn } from "../store/store";
import { useSubmit } from "../useSubmit";

/** Sign in or sign up: server URL, name, password; failures shown in words. */
export function SignIn({ lastServerUrl }: { lastServerUrl: string | null }) {
  const { t } = useTranslation();
  const [mode, setMode] = useState<"signIn" | "signUp">("signIn");
  const [serverUrl, setServerUrl] = useState(lastServerUrl ?? "");
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const { busy, error, onSubmit, clearError } = useSubmit(
    () => signIn(mode, serverUrl.trim(), name.trim(), password),
    t("signIn.failed"),
  );

  const signUp = mode === "signUp";
  return (
    <main className="signin">
      <form className="signin-card" onSubmit={onSubmit} aria-describedby="signin-error">
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
            clearError();
          }}
        >
          {signUp ? t("signIn.switchToSignIn") : t("signIn.switchToSignUp")}
        </button>
      </form>
    </main>
  );
}

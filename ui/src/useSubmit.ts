import { type FormEvent, useState } from "react";
import { errorText } from "./ipc";

/**
 * A form's submit handler: runs `action` once at a time, and on failure
 * shows the shell's message (or `fallback`) and lets the member try again.
 * On success the form is expected to go away (a dialog closes, the app
 * leaves the sign-in screen), so it stays busy.
 */
export function useSubmit(action: () => Promise<void>, fallback: string) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(errorText(err, fallback));
      setBusy(false);
    }
  };
  return {
    busy,
    error,
    onSubmit: (e: FormEvent) => void submit(e),
    clearError: () => setError(null),
  };
}

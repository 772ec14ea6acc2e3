import { useEffect, useState } from "react";
import { errorText } from "./ipc";

/**
 * A list asked of the shell when a component shows, and again on `reload`
 * (after a change to it); `error` says in words why it could not be had.
 * `load` must be stable (a generated command is).
 */
export function useListed<T>(load: () => Promise<T[]>, failed: string) {
  const [items, setItems] = useState<T[] | null>(null);
  const [error, setError] = useState("");
  const [asked, setAsked] = useState(0);
  useEffect(() => {
    let live = true;
    load()
      .then((list) => live && setItems(list))
      .catch((e: unknown) => live && setError(errorText(e, failed)));
    return () => {
      live = false;
    };
  }, [asked, load, failed]);

  /** Runs a change, then lists again; a failed change is shown as the error. */
  const change = async (run: () => Promise<unknown>) => {
    try {
      await run();
      setError("");
      setAsked((n) => n + 1);
    } catch (e) {
      setError(errorText(e, failed));
    }
  };
  return { items, error, change };
}

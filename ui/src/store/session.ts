/** Session domain: whether the first snapshot is in, who is signed in, the connection. */
import type { ConnectionView, SessionView } from "../bindings/ipc";
import type { Step } from "./actions";

export interface SessionState {
  ready: boolean;
  session: SessionView | null;
  connection: ConnectionView;
}

export const initialSession: SessionState = {
  ready: false,
  session: null,
  connection: { state: "connecting" },
};

function started(state: SessionState, session: SessionView): Partial<SessionState> {
  // Signed in, but the subscription is not up yet: not "signed out" any more.
  const connection: ConnectionView =
    state.connection.state === "signedOut" ? { state: "connecting" } : state.connection;
  return { session, connection };
}

export function sessionReducer(state: SessionState, step: Step): Partial<SessionState> | null {
  switch (step.type) {
    case "snapshot":
      return {
        ready: true,
        session: step.snapshot.session,
        connection: step.snapshot.connection,
      };
    case "connection":
      return { connection: step.connection };
    case "sessionStarted":
      return started(state, step.session);
    case "session":
      if (step.session === null) {
        return { ready: true, session: null, connection: { state: "signedOut" } };
      }
      return started(state, step.session);
    default:
      return null;
  }
}

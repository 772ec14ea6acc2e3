import { describe, expect, it } from "vitest";
import { me, snapshot } from "../../test/fixtures";
import { initialSession, sessionReducer } from "./session";
import { initialSettings, settingsReducer } from "./settings";

describe("session", () => {
  it("keeps the connection it has when a session starts, unless it was signed out", () => {
    const session = { member: me, serverUrl: "https://x" };
    const live = { ...initialSession, connection: { state: "live" as const, transport: "sse" } };
    expect(sessionReducer(live, { type: "sessionStarted", session })).toEqual({
      session,
      connection: live.connection,
    });
    const out = { ...initialSession, connection: { state: "signedOut" as const } };
    expect(sessionReducer(out, { type: "session", session })?.connection).toEqual({
      state: "connecting",
    });
  });

  it("is ready and signed out when the session ends", () => {
    expect(sessionReducer(initialSession, { type: "session", session: null })).toEqual({
      ready: true,
      session: null,
      connection: { state: "signedOut" },
    });
  });
});

describe("settings and notices", () => {
  it("keeps settings and notices, but not the resync banner, when the session ends", () => {
    const state = { ...initialSettings, notices: ["n"], resynced: true };
    expect(settingsReducer(state, { type: "session", session: null })).toEqual({ resynced: false });
    expect(settingsReducer(state, { type: "session", session: snapshot().session })).toBeNull();
  });
});

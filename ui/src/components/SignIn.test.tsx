import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import "../i18n";
import { SignIn } from "./SignIn";

afterEach(() => clearMocks());

describe("SignIn", () => {
  it("prefills the last server URL", () => {
    render(<SignIn lastServerUrl="https://chat.example.com" />);
    expect(screen.getByLabelText("Server URL")).toHaveValue("https://chat.example.com");
  });

  it("shows the shell's message in words, never the error code", async () => {
    const seen: string[] = [];
    mockIPC((cmd) => {
      seen.push(cmd);
      if (cmd === "sign_in") {
        throw { kind: "notASudaServer", message: "That address is not a Suda server." };
      }
    });
    render(<SignIn lastServerUrl="https://example.com" />);
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "mina" } });
    fireEvent.change(screen.getByLabelText("Password"), { target: { value: "pw" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect(await screen.findByText("That address is not a Suda server.")).toBeInTheDocument();
    expect(screen.queryByText(/notASudaServer/)).toBeNull();
    expect(seen).toEqual(["sign_in"]);
  });
});

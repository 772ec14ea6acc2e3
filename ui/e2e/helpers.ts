import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, type Page } from "@playwright/test";

export const SHOTS = join(process.cwd(), "..", "artifacts", "ui");
mkdirSync(SHOTS, { recursive: true });

export interface FakeConfig {
  signedIn?: boolean;
  settings?: Record<string, unknown>;
  connection?: Record<string, unknown>;
  autoDeliverMs?: number | null;
  bigChannel?: number;
  bigUnread?: number;
  notice?: string;
  failSnapshot?: boolean;
  /** The shell refuses this many mark-reads (the window is not seen yet). */
  refuseMarkRead?: number;
}

/** Loads the built UI with the fake shell in place of Tauri. */
export async function openApp(page: Page, config: FakeConfig = {}): Promise<void> {
  await page.addInitScript((c) => {
    (window as unknown as { __FAKE_CONFIG__: unknown }).__FAKE_CONFIG__ = c;
  }, config);
  await page.addInitScript({ path: join(process.cwd(), "e2e", "fake-backend.js") });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener("securitypolicyviolation", (e) =>
      seen.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
    // As Tauri's freezePrototype does.
    Object.freeze(Object.prototype);
  });
  await page.goto("/");
}

export async function emit(page: Page, event: unknown): Promise<void> {
  await page.evaluate((e) => {
    (window as unknown as { __fake: { emit: (e: unknown) => void } }).__fake.emit(e);
  }, event);
}

export async function calls(page: Page, cmd: string): Promise<Array<Record<string, unknown>>> {
  return page.evaluate(
    (name) =>
      (
        window as unknown as {
          __fake: { calls: Array<{ cmd: string; args: Record<string, unknown> }> };
        }
      ).__fake.calls
        .filter((c) => c.cmd === name)
        .map((c) => c.args),
    cmd,
  );
}

const axeSource = readFileSync(
  join(process.cwd(), "node_modules", "axe-core", "axe.min.js"),
  "utf8",
);

/** Runs axe-core on the page and fails on any violation. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  // Evaluated through the debugger, so the page's CSP does not block it.
  await page.evaluate(axeSource);
  const csp = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
  expect(csp, `CSP violations on ${what}`).toEqual([]);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (ctx: Document) => Promise<{
            violations: Array<{ id: string; help: string; nodes: Array<{ target: unknown }> }>;
          }>;
        };
      }
    ).axe;
    const result = await axe.run(document);
    return result.violations.map((v) => ({
      id: v.id,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => JSON.stringify(n.target)),
    }));
  });
  expect(violations, `axe violations on ${what}`).toEqual([]);
}

export async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

export const THEMES = ["light", "dark"] as const;

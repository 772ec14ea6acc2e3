import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, type Page } from "@playwright/test";
import { build } from "vite";
import type { AppEvent } from "../src/bindings/ipc";
import type { CommandName, FakeConfig, Payload } from "./fake-backend";

export type { FakeConfig } from "./fake-backend";

export const SHOTS = join(process.cwd(), "..", "artifacts", "ui");
mkdirSync(SHOTS, { recursive: true });

let fakeBackend: Promise<string> | null = null;

/**
 * `e2e/fake-backend.ts` and what it imports from the bindings, bundled by
 * Vite into one classic script (what `addInitScript` runs): in memory, once
 * per worker. Types are checked by `npm run typecheck`, not here.
 */
function fakeBackendScript(): Promise<string> {
  fakeBackend ??= build({
    configFile: false,
    logLevel: "warn",
    publicDir: false,
    build: {
      write: false,
      minify: false,
      target: "es2021",
      lib: {
        entry: join(process.cwd(), "e2e", "fake-backend.ts"),
        formats: ["iife"],
        name: "sudaFakeBackend",
      },
    },
  }).then((out) => {
    const chunk = (Array.isArray(out) ? out[0] : out) as { output: Array<{ code?: string }> };
    const code = chunk.output[0]?.code;
    if (!code) throw new Error("bundling e2e/fake-backend.ts produced no script");
    return code;
  });
  return fakeBackend;
}

/** Loads the built UI with the fake shell in place of Tauri. */
export async function openApp(page: Page, config: FakeConfig = {}): Promise<void> {
  await page.addInitScript((c) => {
    (window as unknown as { __FAKE_CONFIG__: unknown }).__FAKE_CONFIG__ = c;
  }, config);
  await page.addInitScript({ content: await fakeBackendScript() });
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

export async function emit(page: Page, event: AppEvent): Promise<void> {
  await page.evaluate((e) => {
    (window as unknown as { __fake: { emit: (e: AppEvent) => void } }).__fake.emit(e);
  }, event);
}

/** What the app passed to `cmd`, each time it invoked it. */
export async function calls<K extends CommandName>(page: Page, cmd: K): Promise<Array<Payload<K>>> {
  return page.evaluate(
    (name) =>
      (
        window as unknown as {
          __fake: { calls: Array<{ cmd: string; args: Payload<K> }> };
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

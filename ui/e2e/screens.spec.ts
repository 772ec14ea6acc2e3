import { expect, type Page, test } from "@playwright/test";
import { emit, expectAccessible, openApp, shoot, THEMES } from "./helpers";

async function openGeneral(page: Page) {
  await page
    .getByRole("navigation")
    .getByRole("button", { name: /general/ })
    .click();
  await expect(page.getByText("Lunch at 12:30?")).toBeVisible();
}

for (const theme of THEMES) {
  test.describe(`${theme} theme`, () => {
    test.use({ colorScheme: theme });

    test(`sign-in screen is accessible (${theme})`, async ({ page }) => {
      await openApp(page);
      await expect(page.getByRole("heading", { name: "Sign in to Suda" })).toBeVisible();
      await expect(page.locator("html")).toHaveAttribute("data-theme", theme);
      await shoot(page, `signin-${theme}`);
      await expectAccessible(page, "sign-in");
    });

    test(`main layout and conversation are accessible (${theme})`, async ({ page }) => {
      await openApp(page, { signedIn: true });
      await expect(page.getByRole("navigation", { name: "Channels" })).toBeVisible();
      await shoot(page, `empty-${theme}`);
      await openGeneral(page);
      await shoot(page, `conversation-${theme}`);
      await expectAccessible(page, "conversation");
    });

    test(`members panel and own messages are accessible (${theme})`, async ({ page }) => {
      await openApp(page, { signedIn: true, autoDeliverMs: null });
      await openGeneral(page);
      await page.getByRole("button", { name: "Members" }).click();
      await expect(page.getByRole("complementary", { name: "Members" })).toContainText("Yusuf");
      const box = page.getByRole("textbox", { name: "Message general" });
      await box.fill("On my way!");
      await box.press("Enter");
      await box.fill("This one will fail");
      await box.press("Enter");
      await page.evaluate(() => {
        const fake = (
          window as unknown as {
            __fake: { pending: () => Array<Record<string, unknown>>; emit: (e: unknown) => void };
          }
        ).__fake;
        const item = fake.pending()[1]!;
        fake.emit({ type: "outbox", item: { ...item, state: "failed", error: "No connection." } });
      });
      await expect(page.getByText("Not sent: No connection.")).toBeVisible();
      await shoot(page, `members-outbox-${theme}`);
      await expectAccessible(page, "members panel");
    });

    test(`settings and channel dialogs are accessible (${theme})`, async ({ page }) => {
      await openApp(page, { signedIn: true });
      await openGeneral(page);
      await page.getByRole("button", { name: "Settings", exact: true }).click();
      await expect(page.getByRole("dialog", { name: "Settings" })).toBeVisible();
      await shoot(page, `settings-${theme}`);
      await expectAccessible(page, "settings dialog");
      await page.keyboard.press("Escape");
      await expect(page.getByRole("dialog")).toHaveCount(0);

      await page.getByRole("button", { name: "New group" }).click();
      await expect(page.getByRole("dialog", { name: "New group" })).toBeVisible();
      await shoot(page, `new-group-${theme}`);
      await expectAccessible(page, "new group dialog");
      await page.keyboard.press("Escape");

      await page.getByRole("button", { name: "New direct message" }).click();
      await page.getByLabel("Member name").fill("nobody");
      await page.getByRole("button", { name: "Open" }).click();
      await expect(page.getByRole("dialog").getByRole("alert")).toHaveText(
        "No member is called nobody.",
      );
      await expectAccessible(page, "new direct message dialog");
      await page.keyboard.press("Escape");

      await page.getByRole("button", { name: "Channel settings" }).click();
      await expect(page.getByRole("dialog", { name: "Channel settings" })).toBeVisible();
      await shoot(page, `channel-settings-${theme}`);
      await expectAccessible(page, "channel settings dialog");
      await page.keyboard.press("Escape");

      await page.keyboard.press("Control+k");
      await expect(page.getByRole("dialog", { name: "Switch conversation" })).toBeVisible();
      await shoot(page, `switcher-${theme}`);
      await expectAccessible(page, "channel switcher");
    });

    test(`connection banner is accessible (${theme})`, async ({ page }) => {
      await openApp(page, { signedIn: true });
      await openGeneral(page);
      await emit(page, {
        type: "connection",
        connection: { state: "reconnecting", inSecs: 12, attempt: 2 },
      });
      await expect(page.getByRole("button", { name: "Retry now" })).toBeVisible();
      await shoot(page, `reconnecting-${theme}`);
      await expectAccessible(page, "reconnecting banner");
    });

    test(`Korean UI follows the language setting (${theme})`, async ({ page }) => {
      await openApp(page, { signedIn: true, settings: { language: "ko" } });
      await expect(page.getByRole("navigation", { name: "채널" })).toBeVisible();
      await expect(page.getByRole("heading", { name: "그룹" })).toBeVisible();
      await page
        .getByRole("navigation")
        .getByRole("button", { name: /general/ })
        .click();
      await expect(page.getByRole("textbox", { name: "general에 메시지 보내기" })).toBeVisible();
      await expect(page.locator("html")).toHaveAttribute("lang", "ko");
      await shoot(page, `korean-${theme}`);
      await expectAccessible(page, "Korean conversation");
    });
  });
}

test("settings list the signed-in devices and sign another one out", async ({ page }) => {
  await openApp(page, { signedIn: true });
  await page.getByRole("button", { name: "Settings", exact: true }).click();
  const devices = page.getByRole("region", { name: "Signed-in devices" });
  await expect(devices.getByText("Suda desktop/0.1.0 (linux)")).toBeVisible();
  await expect(devices.getByText("This device")).toBeVisible();
  await expect(devices.getByText("suda-cli/0.1.0 (linux)")).toBeVisible();
  await devices.scrollIntoViewIfNeeded();
  await shoot(page, "settings-devices");
  // This device cannot sign itself out here (the sidebar's sign-out does that).
  await expect(devices.getByRole("button", { name: /Suda desktop/ })).toHaveCount(0);
  await devices.getByRole("button", { name: "Sign out suda-cli/0.1.0 (linux)" }).click();
  await expect(devices.getByText("suda-cli/0.1.0 (linux)")).toHaveCount(0);
  await expect(devices.getByText("Suda desktop/0.1.0 (linux)")).toBeVisible();
  await expectAccessible(page, "settings with devices");
});

test("a member is blocked from the members panel and unblocked in settings", async ({ page }) => {
  await openApp(page, { signedIn: true });
  await page
    .getByRole("navigation")
    .getByRole("button", { name: /general/ })
    .click();
  await page.getByRole("button", { name: "Members" }).click();
  const panel = page.getByRole("complementary", { name: "Members" });
  // Not oneself.
  await expect(panel.getByRole("button", { name: "Block Mina Park" })).toHaveCount(0);
  await panel.getByRole("button", { name: "Block Bo Kim" }).click();
  await expect(panel.getByText("Blocked", { exact: true })).toBeVisible();
  await shoot(page, "members-blocked");
  await page.getByRole("button", { name: "Settings", exact: true }).click();
  const list = page.getByRole("region", { name: "Blocked members" });
  await expect(list.getByText("Bo Kim")).toBeVisible();
  await list.getByRole("button", { name: "Unblock Bo Kim" }).click();
  await expect(list.getByText("You have blocked nobody.")).toBeVisible();
  await expectAccessible(page, "settings with blocked members");
});

test.describe("Korean from the OS", () => {
  test.use({ locale: "ko-KR" });
  test("the sign-in screen follows navigator.language", async ({ page }) => {
    await openApp(page);
    await expect(page.getByRole("heading", { name: "Suda에 로그인" })).toBeVisible();
    await shoot(page, "signin-korean-light");
  });
});

import { expect, test } from "@playwright/test";
import { calls, emit, openApp } from "./helpers";

test("switching channels tells the shell which conversation is in view", async ({ page }) => {
  await openApp(page, { signedIn: true });
  const nav = page.getByRole("navigation", { name: "Channels" });
  await nav.getByRole("button", { name: /general/ }).click();
  await expect(page.getByRole("heading", { level: 1, name: /general/ })).toBeVisible();
  await expect(page.getByText("Lunch at 12:30?")).toBeVisible();
  await expect(page.getByRole("separator", { name: "New messages" })).toBeVisible();

  await nav.getByRole("button", { name: /design/ }).click();
  await expect(page.getByRole("heading", { level: 1, name: /design/ })).toBeVisible();
  await expect(page.getByText("Love the rounded corners.")).toBeVisible();

  const focus = await calls(page, "focus_channel");
  expect(focus.map((a) => a.args.channelId)).toEqual(["c-general", "c-design"]);
  const read = await calls(page, "mark_read");
  expect(read.some((a) => a.args.channelId === "c-general")).toBe(true);
});

test("a conversation the shell could not mark read keeps its badge until it can", async ({
  page,
}) => {
  // The shell refuses while it does not yet know the window is seen (its
  // focus event can come a moment after the page's); the UI asks again.
  await openApp(page, { signedIn: true, refuseMarkRead: 2 });
  const nav = page.getByRole("navigation", { name: "Channels" });
  const general = nav.getByRole("button", { name: /general/ });
  await expect(general.locator(".badge")).toHaveCount(1);
  await general.click();
  await expect(page.getByText("Lunch at 12:30?")).toBeVisible();
  await expect.poll(async () => (await calls(page, "mark_read")).length).toBeGreaterThan(0);
  // Refused: still unread (the next try is 250 ms away).
  await expect(general.locator(".badge")).toHaveCount(1);
  await expect(general.locator(".badge")).toHaveCount(0);
  const asked = (await calls(page, "mark_read")).filter((a) => a.args.channelId === "c-general");
  expect(asked.length).toBeGreaterThanOrEqual(3);
});

test("a message in another channel raises its badge and is announced", async ({ page }) => {
  await openApp(page, { signedIn: true });
  const nav = page.getByRole("navigation", { name: "Channels" });
  await nav.getByRole("button", { name: /general/ }).click();
  const design = nav.getByRole("button", { name: /design/ });
  await expect(design.locator(".badge")).toHaveCount(0);

  await page.evaluate(() => {
    const fake = (
      window as unknown as {
        __fake: { message: (...a: unknown[]) => void; people: Record<string, unknown> };
      }
    ).__fake;
    fake.message("c-design", fake.people.bo, "Fresh icons!");
  });
  await expect(design.getByLabel("1 unread message")).toHaveText("1");
  await expect(page.getByTestId("announcer")).toHaveText("New message in design");
  // design moved to the top of the groups: latest activity first.
  await expect(nav.locator("section").nth(1).getByRole("button").nth(1)).toContainText("design");
});

test("a sent message goes from pending to sent and shows once", async ({ page }) => {
  await openApp(page, { signedIn: true, autoDeliverMs: null });
  await page
    .getByRole("navigation")
    .getByRole("button", { name: /design/ })
    .click();
  const box = page.getByRole("textbox", { name: "Message design" });
  await box.fill("Ship it");
  await box.press("Shift+Enter");
  await box.pressSequentially("today");
  await box.press("Enter");
  await expect(box).toHaveValue("");

  const pending = page.locator('article[data-state="pending"]');
  await expect(pending).toContainText("Sending…");
  await expect(pending.locator(".text")).toHaveText("Ship it\ntoday");

  await page.evaluate(() => {
    const fake = (
      window as unknown as { __fake: { pending: () => unknown[]; deliver: (i: unknown) => void } }
    ).__fake;
    fake.deliver(fake.pending()[0]);
  });
  await expect(pending).toHaveCount(0);
  await expect(page.locator(".message .text", { hasText: "Ship it" })).toHaveCount(1);
  const sent = await calls(page, "send");
  expect(sent).toEqual([
    {
      args: {
        channelId: "c-design",
        text: "Ship it\ntoday",
        replyTo: null,
        threadRoot: null,
        attachmentIds: [],
      },
    },
  ]);
});

test("a failed send offers Retry and Discard", async ({ page }) => {
  await openApp(page, { signedIn: true, autoDeliverMs: null });
  await page
    .getByRole("navigation")
    .getByRole("button", { name: /design/ })
    .click();
  const box = page.getByRole("textbox", { name: "Message design" });
  await box.fill("Will fail");
  await box.press("Enter");
  await page.evaluate(() => {
    const fake = (
      window as unknown as {
        __fake: { pending: () => Array<Record<string, unknown>>; emit: (e: unknown) => void };
      }
    ).__fake;
    const item = fake.pending()[0]!;
    fake.emit({
      type: "outbox",
      item: { ...item, state: "failed", error: "The server is unreachable." },
    });
  });
  const failed = page.locator('article[data-state="failed"]');
  await expect(failed).toContainText("Not sent: The server is unreachable.");
  await failed.getByRole("button", { name: "Retry" }).click();
  await expect(page.locator('article[data-state="failed"]')).toHaveCount(0);
  await expect(page.locator(".message .text", { hasText: "Will fail" })).toHaveCount(1);
});

test("the composer counts down to 4,000 characters and refuses more", async ({ page }) => {
  await openApp(page, { signedIn: true });
  await page
    .getByRole("navigation")
    .getByRole("button", { name: /design/ })
    .click();
  const box = page.getByRole("textbox", { name: "Message design" });
  await box.fill("a".repeat(3600));
  await expect(page.locator("#composer-counter")).toHaveText("3600 / 4000");
  await expect(page.getByRole("button", { name: "Send" })).toBeEnabled();
  await box.fill("a".repeat(4001));
  await expect(page.locator("#composer-counter")).toHaveText("Too long by 1 characters");
  await expect(page.getByRole("button", { name: "Send" })).toBeDisabled();
});

test("hostile message text renders as text and long strings stay inside", async ({ page }) => {
  await openApp(page, { signedIn: true });
  await page
    .getByRole("navigation")
    .getByRole("button", { name: /design/ })
    .click();
  await page.evaluate(() => {
    const fake = (
      window as unknown as {
        __fake: { message: (...a: unknown[]) => void; people: Record<string, unknown> };
      }
    ).__fake;
    fake.message("c-design", fake.people.bo, "<img src=x onerror=window.__pwned=1>");
    fake.message("c-design", fake.people.bo, "<script>window.__pwned=2</script>");
    fake.message("c-design", fake.people.ada, "x".repeat(5000));
  });
  await expect(page.getByText("<img src=x onerror=window.__pwned=1>")).toBeVisible();
  await expect(page.locator(".message-scroll img")).toHaveCount(0);
  expect(
    await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
  ).toBeUndefined();
  const scroller = page.locator(".message-scroll");
  const widths = await scroller.evaluate((el) => ({
    scroll: el.scrollWidth,
    client: el.clientWidth,
  }));
  expect(widths.scroll).toBeLessThanOrEqual(widths.client);
});

test("10,000 messages stay virtualized and older pages load on scrolling up", async ({ page }) => {
  await openApp(page, { signedIn: true, bigChannel: 10000 });
  await page
    .getByRole("navigation")
    .getByRole("button", { name: /big-history/ })
    .click();
  await expect(page.getByText("Message number 10000 in a very long conversation")).toBeVisible();
  const scroller = page.locator(".message-scroll");
  for (let i = 0; i < 4; i++) {
    await scroller.evaluate((el) => (el.scrollTop = 0));
    await page.waitForTimeout(150);
  }
  await expect.poll(async () => (await calls(page, "history")).length).toBeGreaterThan(2);
  expect(await page.locator(".message-scroll .row").count()).toBeLessThan(120);
});

test("the reconnecting banner counts down and retries on request", async ({ page }) => {
  await openApp(page, { signedIn: true });
  await emit(page, {
    type: "connection",
    connection: { state: "reconnecting", inSecs: 30, attempt: 3 },
  });
  await expect(page.getByRole("status")).toContainText(/Reconnecting in (30|29) s/);
  await page.getByRole("button", { name: "Retry now" }).click();
  expect(await calls(page, "retry_now")).toHaveLength(1);
  await emit(page, { type: "connection", connection: { state: "live", transport: "sse" } });
  await emit(page, { type: "resynced" });
  await expect(page.getByRole("status")).toContainText("Messages are up to date");
});

test("a notification click opens its conversation and loads it", async ({ page }) => {
  await openApp(page, { signedIn: true });
  await expect(page.getByRole("navigation", { name: "Channels" })).toBeVisible();
  // What the shell emits when a notification or the tray is clicked.
  await emit(page, { type: "openChannel", channelId: "c-design" });
  await expect(page.getByRole("heading", { level: 1, name: /design/ })).toBeVisible();
  await expect(page.getByText("Love the rounded corners.")).toBeVisible();
  expect((await calls(page, "history")).map((c) => c.args.channelId)).toEqual(["c-design"]);
});

test("keyboard: Ctrl+K switches, Alt+Down moves, Esc closes", async ({ page }) => {
  await openApp(page, { signedIn: true });
  await expect(page.getByRole("navigation", { name: "Channels" })).toBeVisible();
  await page.keyboard.press("Control+k");
  const dialog = page.getByRole("dialog", { name: "Switch conversation" });
  await expect(dialog).toBeVisible();
  await page.keyboard.type("desi");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: /design/ })).toBeVisible();
  await page.keyboard.press("Alt+ArrowDown");
  await expect(page.getByRole("heading", { level: 1, name: /random/ })).toBeVisible();
  await page.keyboard.press("Control+k");
  await expect(dialog).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
});

test("a channel set to notify nothing is dimmed in the sidebar", async ({ page }) => {
  await openApp(page, { signedIn: true });
  await page
    .getByRole("navigation")
    .getByRole("button", { name: /design/ })
    .click();
  await page.getByRole("button", { name: "Channel settings" }).click();
  await expect(page.getByRole("radio", { name: /All messages/ })).toBeChecked();
  await page.getByRole("radio", { name: /Nothing/ }).check();
  await page.keyboard.press("Escape");
  await expect(page.locator('[data-channel-id="c-design"]')).toHaveClass(/muted/);
  const set = await calls(page, "set_notification_level");
  expect(set.at(-1)!.args).toEqual({ channelId: "c-design", level: "nothing" });
});

test("many unread: opens at the new-messages line and marks read only at the bottom", async ({
  page,
}) => {
  await openApp(page, { signedIn: true, bigChannel: 300, bigUnread: 40 });
  const nav = page.getByRole("navigation");
  await nav.getByRole("button", { name: /big-history/ }).click();
  await expect(page.getByRole("separator", { name: "New messages" })).toBeInViewport();
  await expect(
    page.getByText("Message number 300 in a very long conversation"),
  ).not.toBeInViewport();
  await page.waitForTimeout(300);
  const early = await calls(page, "mark_read");
  expect(early.filter((a) => a.args.channelId === "c-big")).toEqual([]);

  await page.locator(".message-scroll").evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(page.getByText("Message number 300 in a very long conversation")).toBeInViewport();
  await expect
    .poll(async () => (await calls(page, "mark_read")).filter((a) => a.args.channelId === "c-big"))
    .toHaveLength(1);
  await expect(nav.getByRole("button", { name: /big-history/ }).locator(".badge")).toHaveCount(0);
});

test("messages are marked read only while the window has focus", async ({ page }) => {
  await openApp(page, { signedIn: true });
  await page
    .getByRole("navigation")
    .getByRole("button", { name: /design/ })
    .click();
  await expect(page.getByText("Love the rounded corners.")).toBeVisible();
  const designReads = async () =>
    (await calls(page, "mark_read")).filter((a) => a.args.channelId === "c-design").length;
  const before = await designReads();

  await page.evaluate(() => {
    document.hasFocus = () => false;
    window.dispatchEvent(new Event("blur"));
    const fake = (
      window as unknown as {
        __fake: { message: (...a: unknown[]) => void; people: Record<string, unknown> };
      }
    ).__fake;
    fake.message("c-design", fake.people.bo, "while you were away");
  });
  await expect(page.locator(".message .text", { hasText: "while you were away" })).toBeVisible();
  await page.waitForTimeout(300);
  expect(await designReads()).toBe(before);
  await expect(page.locator('[data-channel-id="c-design"] .badge')).toHaveText("1");

  await page.evaluate(() => {
    document.hasFocus = () => true;
    window.dispatchEvent(new Event("focus"));
  });
  await expect.poll(designReads).toBe(before + 1);
  await expect(page.locator('[data-channel-id="c-design"] .badge')).toHaveCount(0);
});

test("a thread opens beside the conversation, takes replies and sums them up under its root", async ({
  page,
}) => {
  await openApp(page, { signedIn: true, autoDeliverMs: 50 });
  const nav = page.getByRole("navigation", { name: "Channels" });
  await nav.getByRole("button", { name: /general/ }).click();
  const root = page.locator("main article", { hasText: "Lunch at 12:30?" });
  await root.hover();
  await root.getByRole("button", { name: "Reply in thread" }).click();
  const panel = page.getByRole("complementary", { name: "Thread" });
  await expect(panel.getByText("Lunch at 12:30?")).toBeVisible();
  await expect(panel.getByRole("separator")).toHaveText("0 replies");
  const composer = panel.getByRole("textbox", { name: "Reply in the thread" });
  await composer.fill("12:45 works better");
  await composer.press("Enter");
  await expect(panel.getByText("12:45 works better")).toBeVisible();
  await expect(panel.getByRole("separator")).toHaveText("1 reply");
  // The channel shows the reply only as its root's thread.
  const main = page.getByRole("main");
  await expect(main.getByText("12:45 works better")).toHaveCount(0);
  await expect(root.getByRole("button", { name: /Show the thread: 1 reply/ })).toBeVisible();
  const sent = await calls(page, "send");
  expect(sent.at(-1)?.args.threadRoot).toBe(await root.getAttribute("data-message-id"));
  await page.screenshot({ path: "../artifacts/ui/thread-open.png" });
  // The shell is told which thread is in view, and again when it closes.
  await panel.getByRole("button", { name: "Close thread" }).click();
  await expect(panel).toHaveCount(0);
  const focus = await calls(page, "focus_channel");
  expect(focus.at(-2)?.args.threadRoot).toBe(await root.getAttribute("data-message-id"));
  expect(focus.at(-1)?.args.threadRoot).toBe(null);
  await page.screenshot({ path: "../artifacts/ui/thread-closed.png" });
});

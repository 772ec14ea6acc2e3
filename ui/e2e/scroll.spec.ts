import { expect, test } from "@playwright/test";
import { calls, openApp, shoot } from "./helpers";

test("loading older history keeps the reader's place", async ({ page }) => {
  await openApp(page, { signedIn: true, bigChannel: 10000 });
  await page
    .getByRole("navigation")
    .getByRole("button", { name: /big-history/ })
    .click();
  await expect(page.getByText("Message number 10000 in a very long conversation")).toBeVisible();
  const scroller = page.locator(".message-scroll");
  await scroller.evaluate((el) => (el.scrollTop = 0));
  await expect.poll(async () => (await calls(page, "history")).length).toBe(2);
  await page.waitForTimeout(500);
  // One older page, not a cascade: the view stayed where the reader was.
  expect((await calls(page, "history")).length).toBe(2);
  await expect(page.getByText("Message number 9951 in a very long conversation")).toBeInViewport();
  await shoot(page, "older-history-light");
});

test("new messages keep the view at the bottom only while the reader is there", async ({
  page,
}) => {
  await openApp(page, { signedIn: true, bigChannel: 200 });
  await page
    .getByRole("navigation")
    .getByRole("button", { name: /big-history/ })
    .click();
  await expect(page.getByText("Message number 200 in a very long conversation")).toBeInViewport();
  const say = (text: string) =>
    page.evaluate((t) => {
      const fake = (
        window as unknown as {
          __fake: { message: (...a: unknown[]) => void; people: Record<string, unknown> };
        }
      ).__fake;
      fake.message("c-big", fake.people.bo, t);
    }, text);

  await say("first live message");
  await expect(page.locator(".message .text", { hasText: "first live message" })).toBeInViewport();
  await expect(page.getByTestId("announcer")).toHaveText("Bo Kim: first live message");

  const scroller = page.locator(".message-scroll");
  await scroller.evaluate((el) => (el.scrollTop = el.scrollHeight - el.clientHeight - 2000));
  await say("second live message");
  // Applied (events are applied in batches, about a frame later): unread,
  // since the reader is not at the bottom.
  await expect(
    page
      .getByRole("navigation")
      .getByRole("button", { name: /big-history/ })
      .locator(".badge"),
  ).toHaveText("1");
  await expect(page.locator(".message .text", { hasText: "second live message" })).toHaveCount(0);
  // The view stays up there, not pulled to the bottom. (Not to the pixel:
  // the virtualized list may still adjust for rows it measures late.)
  const fromBottom = await scroller.evaluate(
    (el) => el.scrollHeight - el.clientHeight - el.scrollTop,
  );
  expect(fromBottom).toBeGreaterThan(1000);
});

import { expect, test } from "@playwright/test";
import { calls, openApp } from "./helpers";

test("sign in shows a wrong password in words, then opens the main layout", async ({ page }) => {
  await openApp(page);
  await expect(page.getByRole("heading", { name: "Sign in to Suda" })).toBeVisible();
  await expect(page.getByLabel("Server URL")).toHaveValue("https://chat.example.com");

  await page.getByLabel("Name").fill("Mina Park");
  await page.getByLabel("Password").fill("nope");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("alert")).toHaveText("Wrong name or password.");
  await expect(page.getByText("unauthenticated")).toHaveCount(0);

  await page.getByLabel("Password").fill("secret");
  await page.getByLabel("Password").press("Enter");
  await expect(page.getByRole("navigation", { name: "Channels" })).toBeVisible();
  await expect(page.getByRole("button", { name: /general/ })).toBeVisible();
  expect(await calls(page, "sign_in")).toHaveLength(2);
});

test("sign up uses the same form and the sign_up command", async ({ page }) => {
  await openApp(page);
  await page.getByRole("button", { name: "New here? Create an account" }).click();
  await expect(page.getByRole("heading", { name: "Create your Suda account" })).toBeVisible();
  await page.getByLabel("Name").fill("Newcomer");
  await page.getByLabel("Password").fill("secret");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("navigation", { name: "Channels" })).toBeVisible();
  expect(await calls(page, "sign_up")).toHaveLength(1);
});

test("a failed start says why in words and can be tried again", async ({ page }) => {
  await openApp(page, {
    failSnapshot: true,
    notice: "Your settings file was damaged and set aside.",
  });
  await expect(page.getByRole("alert")).toHaveText("Suda could not read its data folder.");
  await page.getByRole("button", { name: "Try again" }).click();
  await expect(page.getByRole("heading", { name: "Sign in to Suda" })).toBeVisible();
  await expect(page.getByRole("alert").first()).toHaveText(
    /Your settings file was damaged and set aside./,
  );
  await page.getByRole("button", { name: "Dismiss" }).click();
  await expect(page.getByText("Your settings file was damaged")).toHaveCount(0);
});

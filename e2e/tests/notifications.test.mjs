// «Varslingsinnstillinger» in headless Chromium: the default channel, validation, saving,
// the push section's script and service worker, keyboard use and axe-core in all languages.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { axeViolations, clickAndSee, launch, logIn, navigatingTo, noViolations, screenshot, startTimebok } from "./harness.mjs";

let server;
let browser;

before(async () => {
  server = await startTimebok();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

async function settingsPage(name) {
  const page = await (await browser.newContext()).newPage();
  await logIn(page, server.base, name);
  await clickAndSee(
    page.getByRole("link", { name: "Varslingsinnstillinger" }),
    page.getByRole("heading", { level: 1, name: "Varslingsinnstillinger" }),
  );
  return page;
}

describe("notification settings", () => {
  test("SMS is the default for a known number; a bad number is refused; the choice is saved", async () => {
    const page = await settingsPage("Kari Nordmann");
    assert.equal(await page.getByLabel("SMS", { exact: true }).isChecked(), true);
    assert.equal(await page.getByLabel("Mobilnummer").inputValue(), "912 34 567");
    await noViolations(page, "settings");
    await screenshot(page, "notifications");

    await page.getByLabel("Mobilnummer").fill("22 22 22 22");
    const summary = await clickAndSee(page.getByRole("button", { name: "Lagre" }), page.locator(".error-summary"));
    assert.match(await summary.innerText(), /Skriv et norsk mobilnummer med 8 siffer/);
    assert.equal(await page.getByLabel("Mobilnummer").getAttribute("aria-invalid"), "true");
    await noViolations(page, "settings with an error");
    await screenshot(page, "notifications-error");

    await page.getByLabel("Mobilnummer").fill("912 34 567");
    await page.getByLabel("E-post", { exact: true }).check();
    await page.getByLabel("E-postadresse").fill("kari@example.no");
    await page.getByLabel("Språk i varslene").selectOption("nn");
    await clickAndSee(page.getByRole("button", { name: "Lagre" }), page.getByText("Varslingsinnstillingene er lagret."));
    assert.equal(await page.getByLabel("E-post", { exact: true }).isChecked(), true);
    assert.equal(await page.getByLabel("Språk i varslene").inputValue(), "nn");
  });

  test("the push section registers the service worker and offers to switch push on", async () => {
    const page = await settingsPage("Ola Nordmann");
    const status = page.locator("#push-status");
    await page.waitForFunction(
      () => document.getElementById("push-status").textContent.includes("slått av for denne enheten"),
    );
    assert.equal(await status.innerText(), "Push-varsel er slått av for denne enheten.");
    assert.equal(await page.getByRole("button", { name: "Slå på push-varsel" }).isVisible(), true);
    assert.equal(await page.getByRole("button", { name: "Slå av push-varsel" }).isVisible(), false);
    const registered = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration("/"))?.active?.scriptURL);
    assert.match(registered ?? (await page.evaluate(async () => (await navigator.serviceWorker.ready).active.scriptURL)), /\/sw\.js$/);
    // Without a device with push, push cannot be the channel.
    await page.getByLabel("Push-varsel", { exact: true }).check();
    await clickAndSee(page.getByRole("button", { name: "Lagre" }), page.locator(".error-summary"));
    assert.match(await page.locator(".error-summary").innerText(), /Slå på push-varsel på denne enheten/);
  });

  test("by keyboard only: choose e-mail, type the address, save", async () => {
    const page = await settingsPage("Viktig Person");
    const tabTo = async (isThere) => {
      for (let i = 0; i < 40; i += 1) {
        await page.keyboard.press("Tab");
        if (await page.evaluate(isThere)) return;
      }
      assert.fail("could not reach the element by Tab");
    };
    await tabTo(() => document.activeElement.name === "kanal");
    // Arrow keys move between radio buttons: SMS, E-post.
    await page.keyboard.press("ArrowDown");
    await tabTo(() => document.activeElement.id === "epost");
    await page.keyboard.type("viktig@example.no");
    await tabTo(() => document.activeElement.textContent.trim() === "Lagre");
    await navigatingTo(page, () => page.keyboard.press("Enter"), page.getByText("Varslingsinnstillingene er lagret."));
    assert.equal(await page.getByLabel("E-post", { exact: true }).isChecked(), true);
  });

  test("axe-core finds no violations on the settings page in nynorsk and English", async () => {
    const page = await settingsPage("Kari Nordmann");
    for (const lang of ["nn", "en"]) {
      await page.goto(`${server.base}/sprak/${lang}?tilbake=/varslinger`);
      await noViolations(page, `settings-${lang}`);
      await page.locator("#mobil").fill("1");
      await clickAndSee(page.locator("form[action='/varslinger'] button.primary"), page.locator(".error-summary"));
      await noViolations(page, `settings-error-${lang}`);
    }
  });
});

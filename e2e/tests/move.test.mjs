// «Endre time» in headless Chromium: a patient moves a booked vaccine to another day from
// «Timeavtaler»; the receipt, «Timeavtaler» and the SMS all give the new time.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { axeViolations, chooseService, clickAndSee, freeDays, launch, logIn, noViolations, screenshot, startSmsGateway, startTimebok } from "./harness.mjs";

let server;
let browser;
let gateway;

before(async () => {
  gateway = await startSmsGateway();
  server = await startTimebok({ config: gateway.config });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
  gateway?.close();
});

/** A free day at least three days ahead: well before the cancellation deadline. */
function later(days, skip = 0) {
  const soonest = new Date(Date.now() + 3 * 24 * 3600_000).toISOString().slice(0, 10);
  return days.filter((day) => day >= soonest)[skip];
}

/** The first SMS to Kari's mobile that matches `pattern`, once the gateway has it. */
const smsToKari = async (pattern) =>
  (await gateway.waitFor((sms) => sms.to === "+4791234567" && pattern.test(sms.text)))[0].text;

describe("«Endre time»", () => {
  test("a patient moves her vaccine to another day and every page and the SMS say the new time", async () => {
    const page = await (await browser.newContext()).newPage();
    await logIn(page, server.base, "Kari Nordmann");
    await chooseService(page, "Vaksine");
    const timebook = new URL(page.url()).pathname;
    const days = await freeDays(page);
    const [first, second] = [later(days), later(days, 1)];
    assert.ok(first && second, `two free days ahead: ${days}`);

    await page.goto(`${server.base}${timebook}?dag=${first}&maned=${first.slice(0, 7)}`);
    await clickAndSee(page.locator(".slots button").first(), page.getByRole("heading", { level: 1, name: "Se gjennom før du sender" }));
    await page.getByLabel("Hva gjelder det?").fill("Influensavaksine");
    await clickAndSee(page.getByRole("button", { name: "Send" }), page.getByRole("heading", { level: 1, name: "Timen er bestilt" }));
    await smsToKari(/du har fått time til/);

    await clickAndSee(page.getByRole("link", { name: "Timeavtaler" }).first(), page.getByRole("heading", { level: 1, name: "Timeavtaler" }));
    const booked = page.locator(".appointment", { hasText: "Influensavaksine" });
    const before = await booked.locator(".when").innerText();
    await clickAndSee(booked.getByRole("link", { name: `Endre time: ${before}` }), page.getByRole("heading", { level: 1, name: "Velg time" }));
    assert.ok(await page.getByText(`Du endrer timen ${before}.`).isVisible());
    await noViolations(page, "«Velg time» while moving");

    await page.goto(`${page.url()}&dag=${second}&maned=${second.slice(0, 7)}`);
    const slot = page.locator(".slots button").first();
    const label = await slot.getAttribute("aria-label");
    await clickAndSee(slot, page.getByRole("heading", { level: 1, name: "Se gjennom før du sender" }));
    assert.ok(await page.getByText(`Nå: ${before}`).isVisible());
    assert.ok(await page.getByText(`Ny tid: ${label}`).isVisible());
    assert.equal(await page.getByLabel("Hva gjelder det?").count(), 0, "the reason stays");
    await noViolations(page, "the review of a move");
    await screenshot(page, "move-review");
    await clickAndSee(page.getByRole("button", { name: "Endre time" }), page.getByRole("heading", { level: 1, name: "Timen er endret" }));
    assert.ok(await page.getByText(label).isVisible());
    const moved = await smsToKari(/er endret til/);
    const time = label.match(/\d\d:\d\d/)[0];
    assert.ok(moved.includes(time), moved);

    await clickAndSee(page.getByRole("link", { name: "Timeavtaler" }).first(), page.getByRole("heading", { level: 1, name: "Timeavtaler" }));
    const after = page.locator(".appointment", { hasText: "Influensavaksine" });
    assert.equal(await after.count(), 1, "moved, not booked twice");
    assert.equal(await after.locator(".when").innerText(), label);
  });
});

// Acting for a child in headless Chromium: a mother logs in, lands on «Bytt person», chooses
// her daughter, books the daughter's vaccine and moves it to another day. The daughter's
// «Timeavtaler» (not the mother's) holds the appointment, and both notices go to the mother's
// phone, naming the daughter.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { axeViolations, chooseService, clickAndSee, freeDays, launch, noViolations, screenshot, startSmsGateway, startTimebok } from "./harness.mjs";

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

/** Free days at least three days ahead: well before the cancellation deadline. */
const ahead = (days) => days.filter((day) => day >= new Date(Date.now() + 3 * 24 * 3600_000).toISOString().slice(0, 10));

/** The first SMS to Nora's mobile that matches `pattern`, once the gateway has it. */
const smsToNora = async (pattern) =>
  (await gateway.waitFor((sms) => sms.to === "+4793456789" && pattern.test(sms.text)))[0].text;

const acting = (page) => page.getByText("Du handler på vegne av Emma.");

describe("Acting for a child", () => {
  test("a mother books and moves her daughter's vaccine, and the notices come to her", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.base}/logg-inn`);
    await page.getByLabel("Nora Forelder", { exact: true }).check();
    await clickAndSee(page.getByRole("button", { name: "Logg inn" }), page.getByRole("heading", { level: 1, name: "Bytt person" }));
    assert.ok(await page.getByText("Barn mellom 12 og 16 år").isVisible(), "Jonas is offered, with his limits");
    await noViolations(page, "«Bytt person»");
    await page.setViewportSize({ width: 320, height: 640 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 320), "reflows at 320 px");
    await noViolations(page, "«Bytt person» at 320 px");
    await screenshot(page, "switch-person");
    await page.setViewportSize({ width: 1280, height: 800 });

    await clickAndSee(page.getByRole("button", { name: "Emma Forelder" }), page.getByRole("heading", { level: 1, name: "Timeavtaler" }));
    await acting(page).waitFor();
    await noViolations(page, "«Timeavtaler» for Emma");

    await chooseService(page, "Vaksine");
    assert.ok(await acting(page).isVisible(), "every page names her");
    const timebook = new URL(page.url()).pathname;
    const [first, second] = ahead(await freeDays(page));
    assert.ok(first && second, "two free days ahead");
    await page.goto(`${server.base}${timebook}?dag=${first}&maned=${first.slice(0, 7)}`);
    await clickAndSee(page.locator(".slots button").first(), page.getByRole("heading", { level: 1, name: "Se gjennom før du sender" }));
    assert.ok(await acting(page).isVisible());
    await page.getByLabel("Hva gjelder det?").fill("Barnevaksine");
    await clickAndSee(page.getByRole("button", { name: "Send" }), page.getByRole("heading", { level: 1, name: "Timen er bestilt" }));
    const booked = await smsToNora(/^Emma har fått time til vaksine/);
    assert.ok(!booked.startsWith("Nora"), booked);

    await clickAndSee(page.getByRole("link", { name: "Timeavtaler" }).first(), page.getByRole("heading", { level: 1, name: "Timeavtaler" }));
    const appointment = page.locator(".appointment", { hasText: "Barnevaksine" });
    const before = await appointment.locator(".when").innerText();
    await clickAndSee(appointment.getByRole("link", { name: `Endre time: ${before}` }), page.getByRole("heading", { level: 1, name: "Velg time" }));
    await page.goto(`${page.url()}&dag=${second}&maned=${second.slice(0, 7)}`);
    const slot = page.locator(".slots button").first();
    const label = await slot.getAttribute("aria-label");
    await clickAndSee(slot, page.getByRole("heading", { level: 1, name: "Se gjennom før du sender" }));
    await clickAndSee(page.getByRole("button", { name: "Endre time" }), page.getByRole("heading", { level: 1, name: "Timen er endret" }));
    const moved = await smsToNora(/^Emma sin time til vaksine .* er endret til/);
    assert.ok(moved.includes(label.match(/\d\d:\d\d/)[0]), moved);

    // Emma's «Timeavtaler» holds the one appointment, at its new time.
    await clickAndSee(page.getByRole("link", { name: "Timeavtaler" }).first(), page.getByRole("heading", { level: 1, name: "Timeavtaler" }));
    const emmas = page.locator(".appointment", { hasText: "Barnevaksine" });
    assert.equal(await emmas.count(), 1);
    assert.equal(await emmas.locator(".when").innerText(), label);

    // Nora's own has none of it.
    await clickAndSee(page.getByRole("link", { name: "Bytt person" }).first(), page.getByRole("heading", { level: 1, name: "Bytt person" }));
    await clickAndSee(page.getByRole("button", { name: "Meg selv" }), page.getByRole("heading", { level: 1, name: "Timeavtaler" }));
    assert.equal(await acting(page).count(), 0);
    assert.equal(await page.locator(".appointment", { hasText: "Barnevaksine" }).count(), 0);
    assert.ok(
      gateway.texts.every((sms) => sms.to === "+4793456789" || !/Emma/.test(sms.text)),
      "nobody else is told about Emma",
    );
  });
});

// «Konsultasjon med fastlegen» in headless Chromium: Kari, on Testfastlege's list, sees it
// first in «Hva trenger du?» (the guide's list, in the guide's order), picks a double
// consultation before the calendar, books it, and finds it in «Timeavtaler» and the office
// in its week; Ola, on another GP's list, is not offered it. Every page is checked with axe
// and at 320 px.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { clickAndSee, launch, logIn, noViolations, screenshot, staffPage, startTimebok } from "./harness.mjs";

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

async function patientPage(name) {
  const page = await (await browser.newContext()).newPage();
  await logIn(page, server.base, name);
  return page;
}

async function fitsAt320(page, name) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 640 });
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= client, `${name} is ${scroll} px wide at ${client} px`);
  await page.setViewportSize(size);
}

async function services(page) {
  await clickAndSee(page.getByRole("link", { name: "Bestill ny time" }), page.getByRole("heading", { level: 1, name: "Hva trenger du?" }));
  return page.locator("fieldset .choice label").allTextContents();
}

describe("«Konsultasjon med fastlegen»", () => {
  test("Kari books a double consultation with her GP, and it shows in Timeavtaler and the office's week", async () => {
    const kari = await patientPage("Kari Nordmann");
    // The guide's «Hva trenger du?», in its order.
    assert.deepEqual(await services(kari), ["Konsultasjon med fastlegen", "Koronavaksine", "Ta prøve på laboratoriet", "Vaksine"]);
    for (const text of ["Her kan du se tjenester som tilbys av helsekontakten eller tilhørende behandlingssted.", "Informasjon fra legekontoret"]) {
      assert.ok(await kari.getByText(text).first().isVisible(), text);
    }
    await kari.getByLabel("Konsultasjon med fastlegen", { exact: true }).check();
    await clickAndSee(kari.getByRole("button", { name: "Neste" }), kari.getByRole("heading", { level: 1, name: "Hva slags time trenger du?" }));
    await noViolations(kari, "the type's page");
    await fitsAt320(kari, "the type's page");
    await screenshot(kari, "gp-type");

    // Without a choice, the page says what is missing and links to it.
    await clickAndSee(kari.getByRole("button", { name: "Neste" }), kari.getByRole("link", { name: "Velg hva slags time du trenger" }));
    await noViolations(kari, "the type's page with its error");
    for (const label of ["Vanlig konsultasjon (20 min)", "Telefonkonsultasjon (20 min, legen ringer deg)"]) {
      assert.ok(await kari.getByLabel(label).isVisible(), label);
    }
    await kari.getByLabel("Dobbelttime (40 min)").check();
    await clickAndSee(kari.getByRole("button", { name: "Neste" }), kari.getByRole("heading", { level: 1, name: "Velg time" }));
    assert.ok(await kari.getByText("Type time: Dobbelttime (40 min)").isVisible());
    await noViolations(kari, "«Velg time» of the GP");
    await fitsAt320(kari, "«Velg time» of the GP");

    // Only the 40-minute slots are offered for a double consultation.
    const times = await kari.locator(".slots button").allTextContents();
    assert.ok(times.length > 0, "free double slots");
    const minutes = (clock) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
    for (const time of times) {
      const [from, to] = time.split(" - ");
      assert.equal(minutes(to) - minutes(from), 40, time);
    }
    const slot = kari.locator(".slots button").first();
    const when = await slot.getAttribute("aria-label");
    await clickAndSee(slot, kari.getByRole("heading", { level: 1, name: "Se gjennom før du sender" }));
    for (const text of ["Time hos Testfastlege, Helsenorge testlegekontor", "Type time: Dobbelttime", "Antatt varighet: 40 min"]) {
      assert.ok(await kari.getByText(text).isVisible(), text);
    }
    await noViolations(kari, "the GP's review");
    await kari.getByLabel("Hva gjelder det?").fill("Flere ting å ta opp");
    await clickAndSee(kari.getByRole("button", { name: "Send" }), kari.getByRole("heading", { level: 1, name: "Timen er bestilt" }));

    await clickAndSee(kari.getByRole("link", { name: "Timeavtaler" }).first(), kari.getByRole("heading", { level: 1, name: "Timeavtaler" }));
    const booked = kari.locator(".appointment", { hasText: "Flere ting å ta opp" });
    assert.equal(await booked.count(), 1);
    assert.match(await booked.innerText(), /Konsultasjon med fastlegen hos Helsenorge testlegekontor/);
    await screenshot(kari, "gp-appointments");

    // The office's week of Testfastlege's place shows her.
    const staff = await staffPage(browser, server.base);
    await clickAndSee(staff.getByRole("link", { name: "Se uken for hvert sted." }), staff.getByRole("heading", { level: 1, name: "Uke" }));
    const place = staff.getByLabel("Timebok og sted");
    const option = await place.locator("option", { hasText: "Testfastlege" }).getAttribute("value");
    const day = when.match(/(\d+)\. ([a-zæøå]+) (\d{4})/);
    const months = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"];
    const iso = `${day[3]}-${String(months.indexOf(day[2]) + 1).padStart(2, "0")}-${day[1].padStart(2, "0")}`;
    await place.selectOption(option);
    await staff.getByLabel("En dag i uken").fill(iso);
    await clickAndSee(staff.getByRole("button", { name: "Vis uken" }), staff.getByRole("heading", { level: 1, name: "Uke" }));
    assert.match(await staff.getByRole("table").innerText(), /Kari Nordmann: Flere ting å ta opp/);
    await noViolations(staff, "the GP's week");
  });

  test("Ola, on another GP's list, is not offered it", async () => {
    const ola = await patientPage("Ola Nordmann");
    const offered = await services(ola);
    assert.ok(!offered.includes("Konsultasjon med fastlegen"), offered.join(", "));
    assert.ok(offered.includes("Vaksine"));
  });
});

// The clinic's desk in headless Chromium: a receptionist finds a patient who phones, books
// them inside the patients' minimum notice, moves them to tomorrow, and the patient's
// «Timeavtaler» and SMS follow each step; the week of the place shows the booking.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { axeViolations, clickAndSee, launch, logIn, noViolations, screenshot, staffPage as staffLogIn, startSmsGateway, startTimebok } from "./harness.mjs";

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

/** Waits until a text to Kari's mobile matches `pattern`, and answers it. */
/** The first SMS to Kari's mobile that matches `pattern`, once the gateway has it. */
const smsToKari = async (pattern) =>
  (await gateway.waitFor((sms) => sms.to === "+4791234567" && pattern.test(sms.text)))[0].text;

async function fhir(method, path, body) {
  const response = await fetch(`${server.base}/fhir/${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${server.journalToken}`,
      Accept: "application/fhir+json",
      ...(body ? { "Content-Type": "application/fhir+json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const oslo = (date, options) => new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Oslo", ...options }).format(date);
const day = (date) => oslo(date, {});
const clock = (date) => oslo(date, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const instant = (date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

/** Publishes a lab slot of 15 minutes at `start` through the journal system's API. */
async function publishLabSlot(schedule, start) {
  const end = new Date(start.getTime() + 15 * 60_000);
  await fhir("POST", "Slot", {
    resourceType: "Slot",
    schedule: { reference: `Schedule/${schedule}` },
    status: "free",
    start: instant(start),
    end: instant(end),
  });
}

const staffPage = () => staffLogIn(browser, server.base);

async function fitsAt320(page, name) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 640 });
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= client, `${name} is ${scroll} px wide at ${client} px`);
  await page.setViewportSize(size);
}

describe("the clinic's desk", () => {
  test("a receptionist books a phoning patient inside the notice, moves her to tomorrow, and she is told each time", async () => {
    const schedules = await fhir("GET", "Schedule");
    const lab = schedules.entry
      .map((e) => e.resource)
      .find((s) => s.serviceType.some((t) => t.coding.some((c) => c.code === "lab")));
    assert.ok(lab, "the demo clinic has a lab schedule");
    // Soon: inside the patients' half hour of notice, so only the office may book it.
    const soon = new Date(Math.ceil((Date.now() + 12 * 60_000) / 300_000) * 300_000);
    const tomorrow = new Date(soon.getTime() + 24 * 3600_000);
    const [y, m, d] = day(tomorrow).split("-").map(Number);
    const later = new Date(Date.UTC(y, m - 1, d, 12, 0));
    await publishLabSlot(lab.id, soon);
    await publishLabSlot(lab.id, later);

    const staff = await staffPage();
    await clickAndSee(staff.getByRole("link", { name: "Finn pasient" }), staff.getByRole("heading", { level: 1, name: "Finn pasient" }));
    await noViolations(staff, "Finn pasient");
    await staff.getByLabel("Fødselsnummer eller navn").fill("kari nord");
    await clickAndSee(staff.getByRole("button", { name: "Søk" }), staff.getByRole("heading", { level: 2, name: "Treff" }));
    await noViolations(staff, "search results");
    await clickAndSee(staff.getByRole("button", { name: "Velg: Kari Nordmann" }), staff.getByRole("heading", { level: 1, name: "Kari Nordmann" }));

    await staff.getByLabel("Timebok og sted").selectOption({ label: "Ta prøve på laboratoriet – Laboratoriet" });
    await staff.getByLabel("Dag", { exact: true }).fill(day(soon));
    await clickAndSee(staff.getByRole("button", { name: "Vis ledige timer" }), staff.getByRole("radio", { name: new RegExp(`^${clock(soon)}`) }));
    await noViolations(staff, "the patient's page");
    await fitsAt320(staff, "the patient's page");
    await screenshot(staff, "desk-patient");
    await staff.getByRole("radio", { name: new RegExp(`^${clock(soon)}`) }).check();
    await staff.getByLabel("Hva gjelder det?").fill("Blodprøve, telefon");
    await clickAndSee(staff.getByRole("button", { name: "Bestill time" }), staff.getByText("Timen er bestilt, og pasienten får beskjed."));
    assert.ok(await staff.getByText("Blodprøve, telefon").isVisible());
    await noViolations(staff, "the appointment's page");
    await fitsAt320(staff, "the appointment's page");
    await screenshot(staff, "desk-appointment");
    const booked = await smsToKari(/du har fått time til/);
    assert.ok(booked.includes(clock(soon)), booked);
    assert.ok(!booked.includes("Blodprøve, telefon"), "no notice carries the reason");

    const kari = await (await browser.newContext()).newPage();
    await logIn(kari, server.base, "Kari Nordmann");
    const upcoming = kari.locator(".appointment", { hasText: "Blodprøve, telefon" });
    assert.equal(await upcoming.count(), 1);
    assert.match(await upcoming.innerText(), new RegExp(clock(soon)));

    // Kari phones again: tomorrow suits her better.
    await staff.getByLabel("Dag", { exact: true }).fill(day(later));
    await clickAndSee(staff.getByRole("button", { name: "Vis ledige timer" }), staff.getByRole("radio", { name: new RegExp(`^${clock(later)}`) }));
    await staff.getByRole("radio", { name: new RegExp(`^${clock(later)}`) }).check();
    await clickAndSee(staff.getByRole("button", { name: "Flytt timen" }), staff.getByText("Timen er endret, og pasienten får beskjed om ny tid og sted."));
    const moved = await smsToKari(/er endret til/);
    assert.ok(moved.includes(clock(later)), moved);
    await kari.reload();
    await kari.getByRole("heading", { level: 1, name: "Timeavtaler" }).waitFor();
    assert.match(await kari.locator(".appointment", { hasText: "Blodprøve, telefon" }).innerText(), new RegExp(clock(later)));

    // The week of the place shows her, at tomorrow's time.
    await clickAndSee(staff.getByRole("link", { name: "Se uken" }), staff.getByRole("heading", { level: 1, name: "Uke" }));
    const table = staff.getByRole("table");
    const row = table.getByRole("row", { name: new RegExp(`^${clock(later)}`) });
    assert.match(await row.innerText(), /Kari Nordmann: Blodprøve, telefon/);
    assert.equal(await table.getByRole("columnheader").count(), 8, "a header for the time and one for each day");
    await noViolations(staff, "the week");
    await fitsAt320(staff, "the week");
    await screenshot(staff, "desk-week");
    await clickAndSee(table.getByRole("link", { name: "Kari Nordmann: Blodprøve, telefon" }), staff.getByRole("heading", { level: 1, name: "Timeavtale" }));
  });
});

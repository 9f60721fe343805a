// A slot finder's journey (SMART Scheduling Links) in headless Chromium: the finder reads the
// bulk publication, a patient follows a free slot's deep link, logs in, lands on «Velg time»
// at that slot and books it, and the finder's next poll with _since shows the slot busy.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { axeViolations, launch, screenshot, startTimebok } from "./harness.mjs";

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

async function fhir(url) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${server.fhirToken}` } });
  assert.equal(response.status, 200, url);
  return response;
}

/** The resources of the manifest's file of one type. */
async function file(manifest, type) {
  const output = manifest.output.find((o) => o.type === type);
  const text = await (await fhir(output.url)).text();
  return text.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

const DEEP_LINK = "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link";

describe("a slot finder", () => {
  test("links a patient to a free slot, which they book, and sees it busy on the next poll", async () => {
    assert.ok(server.fhirToken, "the demo printed a FHIR token");
    const manifest = await (await fhir(`${server.base}/fhir/$bulk-publish`)).json();
    // Kari's GP office's vaccine schedules.
    const places = (await file(manifest, "Location"))
      .filter((l) => l.name === "Helsenorge testlegekontor")
      .map((l) => `Location/${l.id}`);
    const schedules = (await file(manifest, "Schedule"))
      .filter((s) => places.includes(s.actor[0].reference) && s.serviceType[0].coding[0].code === "vaksine")
      .map((s) => `Schedule/${s.id}`);
    const free = (await file(manifest, "Slot")).find((s) => s.status === "free" && schedules.includes(s.schedule.reference));
    assert.ok(free, "a free slot");
    const link = free.extension.find((e) => e.url === DEEP_LINK).valueUrl;
    assert.ok(link.startsWith(`${server.base}/bestill/`), link);

    const page = await (await browser.newContext()).newPage();
    await page.goto(link);
    await page.getByRole("heading", { level: 1, name: "Logg inn" }).waitFor();
    await page.getByLabel("Kari Nordmann", { exact: true }).check();
    await page.getByRole("button", { name: "Logg inn" }).click();
    await page.getByRole("heading", { level: 1, name: "Velg time" }).waitFor();
    // The login landed on the link's page, with its slot marked.
    const target = page.locator(`li#tid-${free.id}`);
    assert.equal(await target.getAttribute("aria-current"), "true");
    assert.equal(await page.locator("li[aria-current]").count(), 1);
    assert.deepEqual(await axeViolations(page), []);
    await screenshot(page, "slot-finder-link");
    await target.getByRole("button").click();

    await page.getByRole("heading", { level: 1, name: "Se gjennom før du sender" }).waitFor();
    await page.getByLabel("Hva gjelder det?").fill("Influensavaksine");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("heading", { level: 1, name: "Timen er bestilt" }).waitFor();

    const since = encodeURIComponent(manifest.transactionTime);
    const next = await (await fhir(`${server.base}/fhir/$bulk-publish?_since=${since}`)).json();
    const changed = await file(next, "Slot");
    const booked = changed.find((s) => s.id === free.id);
    assert.equal(booked?.status, "busy", JSON.stringify(changed));
  });
});

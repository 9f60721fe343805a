// «Bruk av timebøkene» in headless Chromium: patients book and cancel, staff cancel and mark
// outcomes, and the statistics' table, chart and CSV file show the numbers this test computes
// itself from the database (with the sqlite3 command), by the definitions in README.md.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { axeViolations, chooseService, clickAndSee, launch, logIn, navigatingTo, screenshot, startTimebok } from "./harness.mjs";

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

const CLINIC = "Helsenorge testlegekontor";
const DAY = 86400000;

function heading(page, name) {
  return page.getByRole("heading", { level: 1, name });
}

async function staffPage(options = {}) {
  const page = await (await browser.newContext(options)).newPage();
  await page.goto(`${server.base}/personale/logg-inn`);
  await page.getByLabel(`Resepsjonen, ${CLINIC}`).check();
  await clickAndSee(page.getByRole("button", { name: "Logg inn" }), heading(page, "Oversikt"));
  return page;
}

/** A patient books the first free slot of a service, `days` ahead at the earliest. */
async function book(name, service, reason, days = 0) {
  const page = await (await browser.newContext()).newPage();
  await logIn(page, server.base, name);
  await chooseService(page, service);
  if (days > 0) {
    const target = new Date(Date.now() + days * DAY);
    while (target.getDay() === 0 || target.getDay() === 6) target.setDate(target.getDate() + 1);
    const iso = target.toISOString().slice(0, 10);
    const url = new URL(page.url());
    url.searchParams.set("maned", iso.slice(0, 7));
    url.searchParams.set("dag", iso);
    await page.goto(url.toString());
  }
  await clickAndSee(page.locator(".slots button").first(), heading(page, "Se gjennom før du sender"));
  await page.getByLabel("Hva gjelder det?").fill(reason);
  await clickAndSee(page.getByRole("button", { name: "Send" }), heading(page, "Timen er bestilt"));
  return page;
}

/** Rows of a query on the demo's SQLite file, read-only. */
function sql(query) {
  const out = execFileSync("sqlite3", ["-readonly", "-json", server.database, query], { encoding: "utf8" });
  return out.trim() === "" ? [] : JSON.parse(out);
}

/** The calendar date in Oslo of an instant in epoch seconds, as [year, month, day]. */
function osloDate(seconds) {
  const text = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Oslo", year: "numeric", month: "2-digit", day: "2-digit" }).format(
    new Date(seconds * 1000),
  );
  return text.split("-").map(Number);
}

/** The ISO week of a calendar date: its Monday (as a UTC date at midnight), number and year. */
function isoWeek([year, month, day]) {
  const date = new Date(Date.UTC(year, month - 1, day));
  const monday = new Date(date.getTime() - ((date.getUTCDay() + 6) % 7) * DAY);
  const thursday = new Date(monday.getTime() + 3 * DAY);
  const weekYear = thursday.getUTCFullYear();
  const firstThursday = new Date(Date.UTC(weekYear, 0, 4));
  firstThursday.setUTCDate(firstThursday.getUTCDate() + 3 - ((firstThursday.getUTCDay() + 6) % 7));
  const number = 1 + Math.round((thursday - firstThursday) / (7 * DAY));
  return { monday: monday.getTime(), number, year: weekYear };
}

/**
 * What the statistics must show for the weeks from the one holding `from` to the one holding
 * `to` (ISO dates): per place with a slot in them, each week's numbers, by README's definitions.
 */
function expected(from, to) {
  const first = isoWeek(from.split("-").map(Number)).monday;
  const last = isoWeek(to.split("-").map(Number)).monday;
  const weeks = [];
  for (let monday = first; monday <= last; monday += 7 * DAY) {
    const d = new Date(monday);
    weeks.push(isoWeek([d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]));
  }
  const slots = sql(
    `SELECT s.id, s.timebook_id, s.resource_id, s.starts_at, s.capacity, s.published, t.kind, r.name
       FROM slot s JOIN timebook t ON t.id = s.timebook_id JOIN resource r ON r.id = s.resource_id
       JOIN clinic c ON c.id = s.clinic_id WHERE c.name = '${CLINIC}'`,
  );
  const statuses = new Map();
  for (const { slot_id, status } of sql("SELECT slot_id, status FROM appointment")) {
    if (!statuses.has(slot_id)) statuses.set(slot_id, []);
    statuses.get(slot_id).push(status);
  }
  const places = new Map();
  for (const slot of slots) {
    const week = isoWeek(osloDate(slot.starts_at));
    const index = weeks.findIndex((w) => w.monday === week.monday);
    if (index < 0) continue;
    if (!places.has(slot.resource_id)) {
      places.set(slot.resource_id, {
        timebook: slot.timebook_id,
        kind: slot.kind,
        name: slot.name,
        weeks: weeks.map(() => ({ published: 0, places: 0, booked: 0, byPatient: 0, byClinic: 0, noShows: 0, fulfilled: 0 })),
      });
    }
    const counts = places.get(slot.resource_id).weeks[index];
    if (slot.published) {
      counts.published += 1;
      counts.places += slot.capacity;
    }
    for (const status of statuses.get(slot.id) ?? []) {
      if (["booked", "fulfilled", "no_show"].includes(status)) counts.booked += 1;
      if (status === "cancelled_by_patient") counts.byPatient += 1;
      if (status === "cancelled_by_clinic") counts.byClinic += 1;
      if (status === "no_show") counts.noShows += 1;
      if (status === "fulfilled") counts.fulfilled += 1;
    }
  }
  return { weeks, places };
}

/** Booked ÷ places as a whole percent, halves up; null without places. */
function percent({ booked, places }) {
  return places === 0 ? null : Math.floor((booked * 200 + places) / (places * 2));
}

function cells(counts, text) {
  const p = percent(counts);
  return [
    counts.published,
    counts.places,
    counts.booked,
    counts.byPatient,
    counts.byClinic,
    counts.noShows,
    counts.fulfilled,
  ].map(String).concat(p === null ? "–" : text(p));
}

describe("the use of the timebooks", () => {
  test("the chart, the table and the CSV file show the weeks' numbers as the database has them", async () => {
    // Kari's vaccine is fulfilled and her corona vaccine a no-show; Ola cancels his own;
    // the office cancels Viktig Person's lab time.
    await book("Kari Nordmann", "Vaksine", "Statistikkdose");
    await book("Kari Nordmann", "Koronavaksine", "Statistikkorona");
    const ola = await book("Ola Nordmann", "Vaksine", "Statistikkavbestilling", 2);
    await clickAndSee(ola.getByRole("link", { name: "Til Timeavtaler" }), heading(ola, "Timeavtaler"));
    await clickAndSee(
      ola.getByRole("button", { name: /^Avbestill/ }).first(),
      ola.getByText("Timen er avbestilt."),
    );
    await book("Viktig Person", "Ta prøve på laboratoriet", "Statistikklab");

    const staff = await staffPage();
    const row = (reason) => staff.locator("tr", { hasText: reason });
    await clickAndSee(row("Statistikkdose").getByRole("button", { name: /^Gjennomført/ }), staff.getByText("Utfallet er lagret."));
    await clickAndSee(row("Statistikkorona").getByRole("button", { name: /^Ikke møtt/ }), staff.getByText("Utfallet er lagret."));
    await row("Statistikklab").getByLabel("Begrunnelse for avlysning").fill("Laboratoriet er stengt");
    await clickAndSee(
      row("Statistikklab").getByRole("button", { name: /^Avlys timen/ }),
      staff.getByText("Timen er avlyst, og pasienten får beskjed."),
    );

    // The statistics, read without JavaScript.
    const plain = await staffPage({ javaScriptEnabled: false });
    await clickAndSee(plain.getByRole("link", { name: "Bruk av timebøkene" }), heading(plain, "Bruk av timebøkene"));
    const from = await plain.getByLabel("Fra dato").inputValue();
    const to = await plain.getByLabel("Til dato").inputValue();
    const { weeks, places } = expected(from, to);
    assert.ok(places.size >= 3, `the demo's places with slots: ${places.size}`);
    const sections = plain.locator("section.usage-place");
    assert.equal(await sections.count(), places.size, "one section per place with slots");
    let seen = { booked: 0, byPatient: 0, byClinic: 0, noShows: 0, fulfilled: 0 };
    for (const section of await sections.all()) {
      const id = Number((await section.locator("h2").getAttribute("id")).replace("sted-", ""));
      const place = places.get(id);
      assert.ok(place, `place ${id} has slots in the period`);
      const label = (await section.locator("h2").textContent()).trim();
      assert.ok(label.endsWith(` – ${place.name}`), label);

      // The table, found by its caption.
      const table = section.getByRole("table", { name: `Tall per uke: ${label}` });
      const rows = await table.locator("tbody tr").all();
      assert.equal(rows.length, weeks.length);
      for (const [i, tr] of rows.entries()) {
        const week = weeks[i];
        assert.equal((await tr.locator("th").textContent()).trim(), `Uke ${week.number}, ${week.year}`);
        assert.deepEqual(
          (await tr.locator("td").allTextContents()).map((t) => t.trim()),
          cells(place.weeks[i], (p) => `${p} %`),
          `${label}, week ${week.number}`,
        );
        for (const key of Object.keys(seen)) seen[key] += place.weeks[i][key];
      }

      // The chart: an image named by its title, whose text alternative says every week's
      // numbers, and whose bars stand in the same proportions.
      const chart = section.getByRole("img", { name: `Bestilt og plasser per uke: ${label}` });
      const description = await chart.locator("desc").textContent();
      for (const [i, week] of weeks.entries()) {
        const counts = place.weeks[i];
        const p = percent(counts);
        const sentence = `Uke ${week.number}: ${counts.booked} bestilt av ${counts.places} plasser, utnyttelse ${p === null ? "–" : `${p} %`}.`;
        assert.ok(description.includes(sentence), `${label}: «${sentence}» in «${description}»`);
      }
      const heights = async (kind) =>
        (await chart.locator(`rect.${kind}`).evaluateAll((rects) => rects.map((r) => Number(r.getAttribute("height"))))).slice(1);
      const [placeBars, bookedBars] = [await heights("places"), await heights("booked")];
      assert.equal(placeBars.length, weeks.length);
      const top = Math.max(1, ...place.weeks.map((c) => Math.max(c.places, c.booked)));
      const full = Math.max(...placeBars, ...bookedBars);
      for (const [i, counts] of place.weeks.entries()) {
        if (top > 1 || full > 0) {
          assert.ok(Math.abs(placeBars[i] - (counts.places * full) / top) <= 1, `${label} week ${i}: places bar`);
          assert.ok(Math.abs(bookedBars[i] - (counts.booked * full) / top) <= 1, `${label} week ${i}: booked bar`);
        }
      }
    }
    // What this test did is in there (more may be, from nothing else: this server is its own).
    assert.deepEqual(seen, { booked: 2, byPatient: 1, byClinic: 1, noShows: 1, fulfilled: 1 });

    // The CSV file, downloaded by its link, holds the same numbers.
    const page = await staffPage();
    await clickAndSee(page.getByRole("link", { name: "Bruk av timebøkene" }), heading(page, "Bruk av timebøkene"));
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Last ned som CSV" }).click()]);
    assert.match(download.suggestedFilename(), /^bruk-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = readFileSync(await download.path(), "utf8").split("\r\n").filter((line) => line !== "");
    assert.equal(
      lines[0],
      "timebook_id,timebook,place_id,place,week,monday,published,places,booked,cancelled_by_patient,cancelled_by_clinic,no_shows,fulfilled,utilisation_percent",
    );
    const wanted = [];
    for (const [id, place] of places) {
      for (const [i, week] of weeks.entries()) {
        const monday = new Date(week.monday).toISOString().slice(0, 10);
        const numbers = cells(place.weeks[i], String).map((cell) => (cell === "–" ? "" : cell));
        wanted.push([place.timebook, place.kind, id, place.name, `${week.year}-W${String(week.number).padStart(2, "0")}`, monday, ...numbers].join(","));
      }
    }
    assert.deepEqual(lines.slice(1).sort(), wanted.sort());

    // One place, chosen in the form by keyboard: only its section is left.
    await page.getByLabel("Sted", { exact: true }).selectOption({ label: "Vaksine – Influensa" });
    await page.getByLabel("Til dato").focus();
    await navigatingTo(page, () => page.keyboard.press("Enter"), page.getByRole("heading", { level: 2, name: "Vaksine – Influensa" }));
    assert.equal(await page.locator("section.usage-place").count(), 1);
  });

  test("a wrong date gets a message, and axe-core finds no violations in all three languages", async () => {
    const staff = await staffPage();
    await staff.goto(`${server.base}/klinikk/bruk`);
    await staff.getByLabel("Fra dato").fill("2026-03-10");
    await staff.getByLabel("Til dato").fill("2026-03-01");
    await clickAndSee(staff.getByRole("button", { name: "Vis statistikk" }), staff.getByRole("link", { name: "Til-datoen kan ikke være før fra-datoen." }));
    for (const lang of ["nb", "nn", "en"]) {
      for (const path of ["/klinikk/bruk", "/klinikk/bruk?fra=2026-03-10&til=2026-03-01"]) {
        await staff.goto(`${server.base}/sprak/${lang}?tilbake=${encodeURIComponent(path)}`);
        const violations = await axeViolations(staff);
        assert.deepEqual(violations, [], `${path} in ${lang}: ${violations.join("\n")}`);
      }
    }
    await staff.goto(`${server.base}/sprak/nb?tilbake=${encodeURIComponent("/klinikk/bruk")}`);
    await heading(staff, "Bruk av timebøkene").waitFor();
    await screenshot(staff, "clinic-klinikk-bruk");
  });
});

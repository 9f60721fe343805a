// The journal system's loop, end to end: the reference journal system (e2e/journal/) publishes
// a week of slots over FHIR and subscribes; a patient books one of them in the portal and then
// cancels it; the journal system receives both, within seconds, as README shows.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { axeViolations, clickAndSee, launch, logIn, startTimebok } from "./harness.mjs";

const journalScript = join(dirname(fileURLToPath(import.meta.url)), "..", "journal", "reference-journal.mjs");

let server;
let browser;
let journal;
const lines = [];
const waiting = [];

/** The next line the journal system prints that `matches`, within `ms`. */
function printed(matches, ms = 10_000) {
  const seen = lines.find(matches);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not printed within ${ms} ms; printed:\n${lines.map((l) => JSON.stringify(l)).join("\n")}`)), ms);
    waiting.push({ matches, resolve: (line) => (clearTimeout(timer), resolve(line)) });
  });
}

function startJournal(base, token) {
  // A synthetic fødselsnummer the demo does not list: the journal system puts it on the list.
  // From the third day on: the patient cancels the first slot online, which the timebook
  // allows until 24 hours before; tomorrow's 13:00 is less than that after 13:00 today.
  const args = ["--base", base, "--token", token, "--days", "3", "--from", "3", "--patient", "15818012354:Nina:Listesen"];
  const child = spawn(process.execPath, [journalScript, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let rest = "";
  child.stdout.on("data", (chunk) => {
    rest += chunk;
    const complete = rest.split("\n");
    rest = complete.pop();
    for (const text of complete) {
      const space = text.indexOf(" ");
      const line = space < 0 ? { kind: text } : { kind: text.slice(0, space), ...JSON.parse(text.slice(space + 1)) };
      lines.push(line);
      for (const w of waiting.filter((w) => w.matches(line))) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  return child;
}

before(async () => {
  server = await startTimebok();
  assert.ok(server.journalToken, "timebok demo prints the journal system's token");
  browser = await launch();
  journal = startJournal(server.base, server.journalToken);
  await printed((l) => l.kind === "ready", 30_000);
});

after(async () => {
  journal?.kill("SIGTERM");
  await browser?.close();
  server?.stop();
});

const heading = (page, name) => page.getByRole("heading", { level: 1, name });

describe("a journal system's loop", () => {
  test("what the journal system publishes is booked in the portal, and the booking and its cancellation reach it", async () => {
    const published = lines.find((l) => l.kind === "published");
    assert.ok(published.created > 0 && published.created === published.slots, "a week of new slots, created in one Bundle");
    const list = lines.find((l) => l.kind === "list");
    assert.equal(list.patients, list.before + 1, "the patient list, kept and read over FHIR");
    const first = lines.find((l) => l.kind === "first-slot" && l.service === "vaksine" && l.link);
    assert.ok(first, `a vaksine slot with its deep link: ${JSON.stringify(lines)}`);

    const page = await browser.newPage();
    await logIn(page, server.base, "Kari Nordmann");
    await page.goto(first.link);
    await heading(page, "Velg time").waitFor();
    const chosen = page.locator(".slots li.linked button");
    const label = await chosen.getAttribute("aria-label");
    assert.match(label, /kl\. 13:00 - 13:15$/, "the journal system's slot, pointed out");
    assert.deepEqual(await axeViolations(page), []);
    await clickAndSee(chosen, heading(page, "Se gjennom før du sender"));
    await page.getByLabel("Hva gjelder det?").fill("Influensavaksine");
    await clickAndSee(page.getByRole("button", { name: "Send" }), heading(page, "Timen er bestilt"));

    const booked = await printed((l) => l.kind === "received" && l.event === "booked" && l.slot === `Slot/${first.slot}`);
    assert.equal(booked.status, "booked");
    assert.equal(booked.start, first.start);

    await clickAndSee(page.getByRole("link", { name: "Til Timeavtaler" }), heading(page, "Timeavtaler"));
    const item = page.locator(".appointment", { hasText: label });
    await clickAndSee(item.getByRole("button", { name: /^Avbestill/ }).first(), page.getByText("Timen er avbestilt."));
    const cancelled = await printed((l) => l.kind === "received" && l.event === "cancelled" && l.appointment === booked.appointment);
    assert.equal(cancelled.status, "cancelled");
    assert.ok(Number(cancelled.version) > Number(booked.version), "a later version of the same appointment");
    // At least once: a notification may come twice, but never out of order.
    const order = lines
      .filter((l) => l.kind === "received" && l.appointment === booked.appointment)
      .map((l) => l.event)
      .filter((event, i, all) => event !== all[i - 1]);
    assert.deepEqual(order, ["booked", "cancelled"], "in order");
  });
});

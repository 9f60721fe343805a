// Messages in headless Chromium: a patient and the office exchange messages; a blocked patient
// tries to book and to write and sees the guide's texts; unblocked, they book again.
// axe-core runs on every page of the flow.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { axeViolations, chooseService, launch, logIn, screenshot, startTimebok } from "./harness.mjs";

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

async function noViolations(page, name) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `${name}: ${violations.join("\n")}`);
}

async function patientPage(name) {
  const page = await (await browser.newContext()).newPage();
  await logIn(page, server.base, name);
  return page;
}

async function staffPage() {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${server.base}/personale/logg-inn`);
  await page.getByLabel("Resepsjonen, Helsenorge testlegekontor").check();
  await page.getByRole("button", { name: "Logg inn" }).click();
  await page.getByRole("heading", { level: 1, name: "Oversikt" }).waitFor();
  return page;
}

async function writeMessage(page, subject, text) {
  await page.getByRole("link", { name: "Meldinger" }).click();
  await page.getByRole("heading", { level: 1, name: "Meldinger" }).waitFor();
  await page.getByRole("link", { name: "Skriv til legekontoret" }).click();
  await page.getByRole("heading", { level: 1, name: "Ny melding til legekontoret" }).waitFor();
  await page.getByLabel("Emne").fill(subject);
  await page.getByLabel("Melding").fill(text);
  await page.getByRole("button", { name: "Send" }).click();
  await page.getByRole("heading", { level: 1, name: subject }).waitFor();
}

const CLOSED = "E-konsultasjonen er nå avsluttet fra behandlerens side. Denne meldingen kan ikke besvares.";

describe("messages", () => {
  test("a patient and the office exchange messages; the office closes the conversation", async () => {
    const kari = await patientPage("Kari Nordmann");
    await kari.getByRole("link", { name: "Meldinger" }).click();
    await noViolations(kari, "messages, empty");
    await kari.getByRole("link", { name: "Skriv til legekontoret" }).click();
    await noViolations(kari, "new message");
    await kari.getByLabel("Emne").fill("Resept");
    assert.equal(await kari.locator("#emne-counter").textContent(), "6/60 tegn");
    await kari.getByRole("button", { name: "Send" }).click();
    await kari.locator(".error-summary").waitFor();
    assert.match(await kari.locator(".error-summary").innerText(), /Du må skrive en melding/);
    await noViolations(kari, "new message with an error");
    await kari.getByLabel("Melding").fill("Kan jeg fornye resepten på blodtrykksmedisin?");
    await kari.getByRole("button", { name: "Send" }).click();
    await kari.getByRole("heading", { level: 1, name: "Resept" }).waitFor();
    assert.match(await kari.locator(".conversation").innerText(), /Sendt: I dag \d\d\.\d\d\.\d{4} \d\d:\d\d/);
    await noViolations(kari, "thread");
    await screenshot(kari, "thread");

    const staff = await staffPage();
    await staff.getByRole("link", { name: "Innboks" }).click();
    await staff.getByRole("heading", { level: 1, name: "Innboks" }).waitFor();
    assert.match(await staff.locator("tbody tr").first().innerText(), /Ulest/);
    await noViolations(staff, "inbox");
    await screenshot(staff, "inbox");
    await staff.getByRole("link", { name: "Resept" }).click();
    await staff.getByText("Kan jeg fornye resepten på blodtrykksmedisin?").waitFor();
    await noViolations(staff, "inbox thread");
    await staff.getByLabel("Skriv svar").fill("Ja, resepten er fornyet. Hilsen legekontoret");
    await staff.getByRole("button", { name: "Send" }).click();
    await staff.getByText("Ja, resepten er fornyet.").waitFor();
    await staff.getByRole("link", { name: /^Vis XML/ }).first().click();
    await staff.getByRole("heading", { level: 1, name: "Meldingen som XML" }).waitFor();
    assert.match(await staff.locator("pre").innerText(), /<Sporsmal>Kan jeg fornye resepten på blodtrykksmedisin\?<\/Sporsmal>/);
    await noViolations(staff, "xml");
    await staff.goBack();
    await staff.getByRole("button", { name: "Avslutt samtalen" }).click();
    await staff.getByText("Samtalen er avsluttet og kan ikke besvares.").waitFor();

    await kari.reload();
    await kari.getByText("Ja, resepten er fornyet. Hilsen legekontoret").waitFor();
    assert.ok(await kari.getByText(CLOSED).isVisible());
    assert.equal(await kari.getByLabel("Skriv svar").count(), 0);
    await noViolations(kari, "closed thread");

    // «Slett melding» takes it from Kari's view; the office keeps it.
    await kari.getByRole("button", { name: /^Slett melding/ }).first().click();
    await kari.getByRole("heading", { level: 1, name: "Resept" }).waitFor();
    assert.equal(await kari.getByText("Kan jeg fornye resepten på blodtrykksmedisin?").count(), 0);
    await staff.reload();
    assert.ok(await staff.getByText("Kan jeg fornye resepten på blodtrykksmedisin?").isVisible());
    assert.ok(await staff.getByText("Slettet av pasienten").isVisible());
  });

  test("a blocked patient sees the guide's texts when booking and writing; unblocked, books again", async () => {
    const per = await patientPage("Per Sperre");
    await chooseService(per, "Vaksine");
    assert.ok(await per.getByText("Tjenesten kunne ikke hente ledige timer. Prøv igjen senere.").isVisible());
    assert.equal(await per.locator(".slots button").count(), 0);

    await writeMessage(per, "Hvorfor?", "Jeg får ikke bestilt time.");
    for (const text of [
      "Legekontoret har ikke gitt deg tilgang til denne tjenesten.",
      "Kontakt fastlegekontoret ved eventuelle spørsmål.",
      CLOSED,
    ]) {
      assert.ok(await per.getByText(text, { exact: true }).isVisible(), text);
    }
    assert.equal(await per.getByLabel("Skriv svar").count(), 0);
    await noViolations(per, "blocked thread");
    await screenshot(per, "blocked-thread");

    const staff = await staffPage();
    await staff.getByRole("link", { name: "Innboks" }).click();
    assert.match(await staff.locator("tbody").innerText(), /Fra sperret pasient/);
    await staff.getByRole("link", { name: "Sperring" }).click();
    await staff.getByRole("button", { name: "Opphev sperring: Per Sperre" }).click();
    await staff.getByText("Sperringen er opphevet.").waitFor();

    await per.goto(`${server.base}/timeavtaler`);
    await chooseService(per, "Vaksine");
    const slot = per.locator(".slots button").first();
    await slot.click();
    await per.getByRole("heading", { level: 1, name: "Se gjennom før du sender" }).waitFor();
    await per.getByLabel("Hva gjelder det?").fill("Influensavaksine");
    await per.getByRole("button", { name: "Send" }).click();
    await per.getByRole("heading", { level: 1, name: "Timen er bestilt" }).waitFor();

    // The conversation closed while blocked stays closed.
    await per.getByRole("link", { name: "Meldinger" }).click();
    await per.getByRole("link", { name: "Hvorfor?" }).click();
    assert.ok(await per.getByText(CLOSED).isVisible());
  });

  test("axe-core finds no violations on the message pages in nynorsk and English", async () => {
    const ola = await patientPage("Ola Nordmann");
    await writeMessage(ola, "Spørsmål", "Når er legen tilbake?");
    const thread = ola.url();
    const staff = await staffPage();
    for (const lang of ["nn", "en"]) {
      for (const path of ["/meldinger", "/meldinger/ny", new URL(thread).pathname]) {
        await ola.goto(`${server.base}/sprak/${lang}?tilbake=${encodeURIComponent(path)}`);
        await noViolations(ola, `${path} in ${lang}`);
      }
      await staff.goto(`${server.base}/sprak/${lang}?tilbake=/klinikk/innboks`);
      await noViolations(staff, `inbox in ${lang}`);
    }
  });
});

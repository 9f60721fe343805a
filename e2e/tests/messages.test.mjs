// Messages in headless Chromium: a patient and the office exchange messages; a blocked patient
// tries to book and to write and sees the guide's texts; unblocked, they book again.
// axe-core runs on every page of the flow.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { axeViolations, chooseService, clickAndSee, launch, logIn, noViolations, screenshot, startTimebok } from "./harness.mjs";

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

async function staffPage() {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${server.base}/personale/logg-inn`);
  await page.getByLabel("Resepsjonen, Helsenorge testlegekontor").check();
  await clickAndSee(page.getByRole("button", { name: "Logg inn" }), page.getByRole("heading", { level: 1, name: "Oversikt" }));
  return page;
}

async function writeMessage(page, subject, text) {
  await clickAndSee(page.getByRole("link", { name: "Meldinger" }), page.getByRole("heading", { level: 1, name: "Meldinger" }));
  await clickAndSee(
    page.getByRole("link", { name: "Skriv til legekontoret" }),
    page.getByRole("heading", { level: 1, name: "Ny melding til legekontoret" }),
  );
  await page.getByLabel("Emne").fill(subject);
  await page.getByLabel("Melding").fill(text);
  await clickAndSee(page.getByRole("button", { name: "Send" }), page.getByRole("heading", { level: 1, name: subject }));
}

const CLOSED = "E-konsultasjonen er nå avsluttet fra behandlerens side. Denne meldingen kan ikke besvares.";

describe("messages", () => {
  test("a patient and the office exchange messages; the office closes the conversation", async () => {
    const kari = await patientPage("Kari Nordmann");
    await clickAndSee(kari.getByRole("link", { name: "Meldinger" }), kari.getByRole("heading", { level: 1, name: "Meldinger" }));
    await noViolations(kari, "messages, empty");
    await clickAndSee(
      kari.getByRole("link", { name: "Skriv til legekontoret" }),
      kari.getByRole("heading", { level: 1, name: "Ny melding til legekontoret" }),
    );
    await noViolations(kari, "new message");
    await kari.getByLabel("Emne").fill("Resept");
    assert.equal(await kari.locator("#emne-counter").textContent(), "6/60 tegn");
    await clickAndSee(kari.getByRole("button", { name: "Send" }), kari.locator(".error-summary"));
    assert.match(await kari.locator(".error-summary").innerText(), /Du må skrive en melding/);
    await noViolations(kari, "new message with an error");
    await kari.getByLabel("Melding").fill("Kan jeg fornye resepten på blodtrykksmedisin?");
    await clickAndSee(kari.getByRole("button", { name: "Send" }), kari.getByRole("heading", { level: 1, name: "Resept" }));
    assert.match(await kari.locator(".conversation").innerText(), /Sendt: I dag \d\d\.\d\d\.\d{4} \d\d:\d\d/);
    await noViolations(kari, "thread");
    await screenshot(kari, "thread");

    const staff = await staffPage();
    await clickAndSee(staff.getByRole("link", { name: "Innboks" }), staff.getByRole("heading", { level: 1, name: "Innboks" }));
    assert.match(await staff.locator("tbody tr").first().innerText(), /Ulest/);
    await noViolations(staff, "inbox");
    await screenshot(staff, "inbox");
    await clickAndSee(staff.getByRole("link", { name: "Resept" }), staff.getByRole("heading", { level: 1, name: "Resept" }));
    await staff.getByText("Kan jeg fornye resepten på blodtrykksmedisin?").waitFor();
    await noViolations(staff, "inbox thread");
    await staff.getByLabel("Skriv svar").fill("Ja, resepten er fornyet. Hilsen legekontoret");
    await clickAndSee(staff.getByRole("button", { name: "Send" }), staff.getByText("Ja, resepten er fornyet."));
    await clickAndSee(
      staff.getByRole("link", { name: /^Vis XML/ }).first(),
      staff.getByRole("heading", { level: 1, name: "Meldingen som XML" }),
    );
    assert.match(await staff.locator("pre").innerText(), /<Sporsmal>Kan jeg fornye resepten på blodtrykksmedisin\?<\/Sporsmal>/);
    await noViolations(staff, "xml");
    await staff.goBack();
    await staff.getByRole("heading", { level: 1, name: "Resept" }).waitFor();
    await clickAndSee(staff.getByRole("button", { name: "Avslutt samtalen" }), staff.getByText("Samtalen er avsluttet og kan ikke besvares."));

    await kari.reload();
    await kari.getByText("Ja, resepten er fornyet. Hilsen legekontoret").waitFor();
    await kari.getByText(CLOSED).waitFor();
    assert.equal(await kari.getByLabel("Skriv svar").count(), 0);
    await noViolations(kari, "closed thread");

    // «Slett melding» takes it from Kari's view; the office keeps it.
    // The thread comes again, with the same heading: clickAndSee waits for the new page too.
    await clickAndSee(kari.getByRole("button", { name: /^Slett melding/ }).first(), kari.getByRole("heading", { level: 1, name: "Resept" }));
    assert.equal(await kari.getByText("Kan jeg fornye resepten på blodtrykksmedisin?").count(), 0);
    await staff.reload();
    await staff.getByText("Kan jeg fornye resepten på blodtrykksmedisin?").waitFor();
    assert.ok(await staff.getByText("Slettet av pasienten").isVisible());
  });

  test("a blocked patient sees the guide's texts when booking and writing; unblocked, books again", async () => {
    const per = await patientPage("Per Sperre");
    await chooseService(per, "Vaksine");
    await per.getByText("Tjenesten kunne ikke hente ledige timer. Prøv igjen senere.").waitFor();
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
    await clickAndSee(staff.getByRole("link", { name: "Innboks" }), staff.getByRole("heading", { level: 1, name: "Innboks" }));
    assert.match(await staff.locator("tbody").innerText(), /Fra sperret pasient/);
    await clickAndSee(staff.getByRole("link", { name: "Sperring" }), staff.getByRole("heading", { level: 1, name: "Sperring" }));
    await clickAndSee(staff.getByRole("button", { name: "Opphev sperring: Per Sperre" }), staff.getByText("Sperringen er opphevet."));

    await per.goto(`${server.base}/timeavtaler`);
    await chooseService(per, "Vaksine");
    const slot = per.locator(".slots button").first();
    await clickAndSee(slot, per.getByRole("heading", { level: 1, name: "Se gjennom før du sender" }));
    await per.getByLabel("Hva gjelder det?").fill("Influensavaksine");
    await clickAndSee(per.getByRole("button", { name: "Send" }), per.getByRole("heading", { level: 1, name: "Timen er bestilt" }));

    // The conversation closed while blocked stays closed.
    await clickAndSee(per.getByRole("link", { name: "Meldinger" }), per.getByRole("heading", { level: 1, name: "Meldinger" }));
    await clickAndSee(per.getByRole("link", { name: "Hvorfor?" }), per.getByRole("heading", { level: 1, name: "Hvorfor?" }));
    await per.getByText(CLOSED).waitFor();
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

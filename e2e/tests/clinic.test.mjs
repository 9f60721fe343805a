// The clinic's workspace in headless Chromium: blocking and cancelling as patients see them.

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

async function staffPage() {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${server.base}/personale/logg-inn`);
  await page.getByLabel("Resepsjonen, Helsenorge testlegekontor").check();
  await page.getByRole("button", { name: "Logg inn" }).click();
  await page.getByRole("heading", { level: 1, name: "Oversikt" }).waitFor();
  return page;
}

async function nationalIdOf(name) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${server.base}/logg-inn`);
  const id = await page.getByLabel(name, { exact: true }).getAttribute("value");
  await page.context().close();
  return id;
}

describe("the clinic's workspace", () => {
  test("a patient blocked by the clinic is refused by the portal at once, and unblocked again", async () => {
    const staff = await staffPage();
    await staff.getByRole("link", { name: "Sperring" }).click();
    await staff.getByLabel("Fødselsnummer").fill(await nationalIdOf("Ola Nordmann"));
    await staff.getByLabel("Intern begrunnelse").fill("Gjentatte uteblivelser <b>uten</b> beskjed");
    await staff.getByRole("button", { name: "Sperr pasienten" }).click();
    assert.ok(await staff.getByText("Pasienten er sperret.").isVisible());
    assert.ok(await staff.getByText("Gjentatte uteblivelser <b>uten</b> beskjed").isVisible(), "HTML shows as text");

    const patient = await (await browser.newContext()).newPage();
    await logIn(patient, server.base, "Ola Nordmann");
    await chooseService(patient, "Vaksine");
    assert.ok(await patient.getByText("Tjenesten kunne ikke hente ledige timer. Prøv igjen senere.").isVisible());

    await staff.getByRole("button", { name: "Opphev sperring: Ola Nordmann" }).click();
    assert.ok(await staff.getByText("Sperringen er opphevet.").isVisible());
    await patient.reload();
    assert.ok((await patient.locator(".slots button").count()) > 0);
  });

  test("an appointment cancelled by the clinic shows as cancelled in the patient's Timeavtaler", async () => {
    const patient = await (await browser.newContext()).newPage();
    await logIn(patient, server.base, "Kari Nordmann");
    await chooseService(patient, "Ta prøve på laboratoriet");
    await patient.locator(".slots button").first().click();
    await patient.getByLabel("Hva gjelder det?").fill("Blodprøve");
    await patient.getByRole("button", { name: "Send" }).click();
    await patient.getByRole("heading", { level: 1, name: "Timen er bestilt" }).waitFor();

    const staff = await staffPage();
    const row = staff.locator("tr", { hasText: "Kari Nordmann" }).filter({ hasText: "Blodprøve" });
    await row.getByLabel("Begrunnelse for avlysning").fill("Laboratoriet er stengt");
    await row.getByRole("button", { name: /^Avlys timen/ }).click();
    assert.ok(await staff.getByText("Timen er avlyst, og pasienten får beskjed.").isVisible());

    await patient.goto(`${server.base}/timeavtaler`);
    assert.ok(await patient.getByText("Avlyst av tjenesten").isVisible());
  });

  test("axe-core finds no violations on the clinic's pages in all three languages", async () => {
    const staff = await staffPage();
    for (const lang of ["nb", "nn", "en"]) {
      for (const path of ["/klinikk", "/klinikk/sperring", "/personale/logg-inn"]) {
        await staff.goto(`${server.base}/sprak/${lang}?tilbake=${path}`);
        const violations = await axeViolations(staff);
        assert.deepEqual(violations, [], `${path} in ${lang}: ${violations.join("\n")}`);
        if (lang === "nb") await screenshot(staff, `clinic${path.replaceAll("/", "-")}`);
      }
    }
  });
});

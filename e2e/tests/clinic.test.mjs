// The clinic's workspace in headless Chromium: blocking and cancelling as patients see them.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as harness from "./harness.mjs";
import { axeViolations, chooseService, clickAndSee, launch, logIn, screenshot, startTimebok } from "./harness.mjs";

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

const staffPage = (clinic) => harness.staffPage(browser, server.base, clinic);
const nationalIdOf = (name) => harness.nationalIdOf(browser, server.base, name);

describe("the clinic's workspace", () => {
  test("a patient blocked by the clinic is refused by the portal at once, and unblocked again", async () => {
    const staff = await staffPage();
    await clickAndSee(staff.getByRole("link", { name: "Sperring" }), staff.getByRole("heading", { level: 1, name: "Sperring" }));
    await staff.getByLabel("Fødselsnummer").fill(await nationalIdOf("Ola Nordmann"));
    await staff.getByLabel("Intern begrunnelse").fill("Gjentatte uteblivelser <b>uten</b> beskjed");
    await clickAndSee(staff.getByRole("button", { name: "Sperr pasienten" }), staff.getByText("Pasienten er sperret."));
    assert.ok(await staff.getByText("Gjentatte uteblivelser <b>uten</b> beskjed").isVisible(), "HTML shows as text");

    const patient = await (await browser.newContext()).newPage();
    await logIn(patient, server.base, "Ola Nordmann");
    await chooseService(patient, "Vaksine");
    await patient.getByText("Tjenesten kunne ikke hente ledige timer. Prøv igjen senere.").waitFor();

    await clickAndSee(staff.getByRole("button", { name: "Opphev sperring: Ola Nordmann" }), staff.getByText("Sperringen er opphevet."));
    await patient.reload();
    await patient.getByRole("heading", { level: 1, name: "Velg time" }).waitFor();
    assert.ok((await patient.locator(".slots button").count()) > 0);
  });

  test("an appointment cancelled by the clinic shows as cancelled in the patient's Timeavtaler", async () => {
    const patient = await (await browser.newContext()).newPage();
    await logIn(patient, server.base, "Kari Nordmann");
    await chooseService(patient, "Ta prøve på laboratoriet");
    await clickAndSee(patient.locator(".slots button").first(), patient.getByRole("heading", { level: 1, name: "Se gjennom før du sender" }));
    await patient.getByLabel("Hva gjelder det?").fill("Blodprøve");
    await clickAndSee(patient.getByRole("button", { name: "Send" }), patient.getByRole("heading", { level: 1, name: "Timen er bestilt" }));

    const staff = await staffPage();
    const row = staff.locator("tr", { hasText: "Kari Nordmann" }).filter({ hasText: "Blodprøve" });
    await row.getByLabel("Begrunnelse for avlysning").fill("Laboratoriet er stengt");
    await clickAndSee(row.getByRole("button", { name: /^Avlys timen/ }), staff.getByText("Timen er avlyst, og pasienten får beskjed."));

    await patient.goto(`${server.base}/timeavtaler`);
    await patient.getByText("Avlyst av tjenesten").waitFor();
  });

  test("a published template's slots appear in the patient portal", async () => {
    const staff = await staffPage();
    await clickAndSee(staff.getByRole("link", { name: "Publisering" }), staff.getByRole("heading", { level: 1, name: "Publisering" }));
    const day = new Date(Date.now() + 4 * 86400000);
    while (day.getDay() === 0 || day.getDay() === 6) day.setDate(day.getDate() + 1);
    const iso = day.toISOString().slice(0, 10);
    await staff.getByLabel("Timebok og sted").selectOption({ label: "Vaksine – Influensa" });
    await staff.getByLabel("Fra klokken").fill("13:00");
    await staff.getByLabel("Til klokken").fill("14:00");
    await staff.getByLabel("Første dag").fill(iso);
    await staff.getByLabel("Siste dag").fill(iso);
    await clickAndSee(staff.getByRole("button", { name: "Forhåndsvis" }), staff.getByRole("heading", { name: "Forhåndsvisning: 4 timer" }));
    assert.ok(!staff.url().includes("csrf"), `no token in the address: ${staff.url()}`);
    assert.ok(await staff.getByText("13:00, 13:15, 13:30, 13:45").isVisible());
    await clickAndSee(staff.getByRole("button", { name: "Publiser", exact: true }), staff.getByText("4 nye timer er publisert."));

    const patient = await (await browser.newContext()).newPage();
    await logIn(patient, server.base, "Viktig Person");
    await chooseService(patient, "Vaksine");
    const url = new URL(patient.url());
    url.searchParams.set("maned", iso.slice(0, 7));
    url.searchParams.set("dag", iso);
    await patient.goto(url.toString());
    await patient.getByRole("button", { name: /kl\. 13:45 - 14:00$/ }).waitFor();
  });

  test("a staff user of another clinic is refused this clinic's ids", async () => {
    const patient = await (await browser.newContext()).newPage();
    await logIn(patient, server.base, "Kari Nordmann");
    await chooseService(patient, "Vaksine");
    await clickAndSee(patient.locator(".slots button").first(), patient.getByRole("heading", { level: 1, name: "Se gjennom før du sender" }));
    await patient.getByLabel("Hva gjelder det?").fill("Influensavaksine");
    await clickAndSee(patient.getByRole("button", { name: "Send" }), patient.getByRole("heading", { level: 1, name: "Timen er bestilt" }));
    await clickAndSee(patient.getByRole("link", { name: "Til Timeavtaler" }), patient.getByRole("heading", { level: 1, name: "Timeavtaler" }));
    const href = await patient.locator("a[href$='kalender.ics']").first().getAttribute("href");
    const id = href.split("/")[2];

    const neighbour = await staffPage("Nabolegekontoret");
    assert.equal(await neighbour.getByText("Kari Nordmann").count(), 0);
    const csrf = await neighbour.locator("input[name=csrf]").first().getAttribute("value");
    for (const [path, form] of [
      [`/klinikk/timeavtaler/${id}/avlys`, { csrf, begrunnelse: "Ikke vår pasient" }],
      [`/klinikk/timeavtaler/${id}/utfall`, { csrf, utfall: "no_show" }],
    ]) {
      const response = await neighbour.request.post(`${server.base}${path}`, { form, maxRedirects: 0 });
      assert.equal(response.status(), 404, path);
      assert.match(await response.text(), /Vi fant ikke siden eller timen du lette etter\./);
    }
    await patient.reload();
    await patient.getByRole("heading", { level: 1, name: "Timeavtaler" }).waitFor();
    const upcoming = patient.locator(".appointment", { hasText: "Time til vaksine" });
    assert.equal(await upcoming.count(), 1);
    assert.equal(await upcoming.getByText("Avlyst av tjenesten").count(), 0, "still booked");
  });

  test("every staff page reflows at 320 px without scrolling sideways (WCAG 1.4.10)", async () => {
    const staff = await staffPage();
    await staff.setViewportSize({ width: 320, height: 640 });
    const paths = ["/klinikk", "/klinikk/uke", "/klinikk/pasienter", "/klinikk/innboks", "/klinikk/timeboker", "/klinikk/sperring", "/klinikk/publisering", "/klinikk/innkalling", "/klinikk/bruk", "/personale/logg-inn"];
    for (const lang of ["nb", "nn", "en"]) {
      for (const path of paths) {
        await staff.goto(`${server.base}/sprak/${lang}?tilbake=${encodeURIComponent(path)}`);
        await staff.getByRole("heading", { level: 1 }).first().waitFor();
        await staff.waitForLoadState("load");
        const [scroll, client] = await staff.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
        assert.ok(scroll <= client, `${path} in ${lang} is ${scroll} px wide at ${client} px`);
      }
    }
  });

  test("axe-core finds no violations on the clinic's pages in all three languages", async () => {
    const staff = await staffPage();
    for (const lang of ["nb", "nn", "en"]) {
      const preview = "/klinikk/publisering?ressurs=1&dag=1&dag=2&fra=08%3A00&til=09%3A00&lengde=15&plasser=1&forhandsvis=1";
      for (const path of ["/klinikk", "/klinikk/uke", "/klinikk/pasienter", "/klinikk/timeboker", "/klinikk/sperring", "/klinikk/publisering", "/klinikk/innkalling", preview, "/personale/logg-inn"]) {
        await staff.goto(`${server.base}/sprak/${lang}?tilbake=${encodeURIComponent(path)}`);
        const violations = await axeViolations(staff);
        assert.deepEqual(violations, [], `${path} in ${lang}: ${violations.join("\n")}`);
        if (lang === "nb") await screenshot(staff, `clinic${path.split("?")[0].replaceAll("/", "-")}${path.includes("?") ? "-preview" : ""}`);
      }
    }
  });
});

describe("the register", () => {
  test("every operator page reflows at 320 px without scrolling sideways (WCAG 1.4.10)", async () => {
    const page = await (await browser.newContext({ viewport: { width: 320, height: 640 } })).newPage();
    await page.goto(`${server.base}/personale/logg-inn`);
    await page.getByLabel("Operatør, Adresseregisteret").check();
    await clickAndSee(page.getByRole("button", { name: "Logg inn" }), page.getByRole("heading", { level: 1, name: "Adresseregisteret" }));
    for (const path of ["/register", "/register/klinikker/1", "/register/varsler", "/register/logg"]) {
      await page.goto(`${server.base}${path}`);
      await page.getByRole("heading", { level: 1 }).first().waitFor();
      await page.waitForLoadState("load");
      const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(scroll <= client, `${path} is ${scroll} px wide at ${client} px`);
    }
  });

  test("axe-core finds no violations on the operator's pages in all three languages", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.base}/personale/logg-inn`);
    await page.getByLabel("Operatør, Adresseregisteret").check();
    await clickAndSee(page.getByRole("button", { name: "Logg inn" }), page.getByRole("heading", { level: 1, name: "Adresseregisteret" }));
    for (const lang of ["nb", "nn", "en"]) {
      for (const path of ["/register", "/register/klinikker/1", "/register/varsler", "/register/logg"]) {
        await page.goto(`${server.base}/sprak/${lang}?tilbake=${encodeURIComponent(path)}`);
        const violations = await axeViolations(page);
        assert.deepEqual(violations, [], `${path} in ${lang}: ${violations.join("\n")}`);
        if (lang === "nb") await screenshot(page, `register${path.replaceAll("/", "-")}`);
      }
      await page.locator("#fodselsnummer").fill(await nationalIdOf("Kari Nordmann"));
      // The log of Kari's bookings and cancellations in the tests above, shown under the form.
      await clickAndSee(page.locator("form[action='/register/logg'] button"), page.locator(".table-wrap"));
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], `audit log in ${lang}: ${violations.join("\n")}`);
    }
  });
});

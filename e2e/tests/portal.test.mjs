// The guide's booking journey in headless Chromium, with axe-core on every page.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { axeViolations, chooseService, launch, logIn, pageWeight, screenshot, startTimebok } from "./harness.mjs";

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

async function newPage() {
  const context = await browser.newContext();
  return context.newPage();
}

/** Opens «Velg time» on a weekday at least `days` ahead, when the month view allows it. */
async function dayAhead(page, days) {
  const target = new Date(Date.now() + days * 86400000);
  while (target.getDay() === 0 || target.getDay() === 6) target.setDate(target.getDate() + 1);
  const iso = target.toISOString().slice(0, 10);
  const url = new URL(page.url());
  url.searchParams.set("maned", iso.slice(0, 7));
  url.searchParams.set("dag", iso);
  await page.goto(url.toString());
}

describe("the patient portal", () => {
  test("the whole journey, from login to the appointment in Timeavtaler", async () => {
    const page = await newPage();
    await logIn(page, server.base, "Kari Nordmann");
    await chooseService(page, "Vaksine");
    for (const text of ["Timebestilling:", "Alle felt må fylles ut", "Velg sted", "I dag", "Informasjon fra legekontoret"]) {
      assert.ok(await page.getByText(text, { exact: false }).first().isVisible(), text);
    }
    const heads = await page.locator("thead th").allTextContents();
    assert.deepEqual(heads, ["Man", "Tir", "Ons", "Tor", "Fre", "Lør", "Søn"]);
    assert.match(await page.locator("#free-heading").textContent(), /^Ledige timer \d+\. [a-zæøå]+\.? \d{4}$/);
    assert.ok(await page.getByText("Oppmøtested: Influensaveien 3a, 1325 Lysaker").isVisible());
    const slot = page.locator(".slots button").first();
    const name = await slot.getAttribute("aria-label");
    assert.match(name, /^(Mandag|Tirsdag|Onsdag|Torsdag|Fredag) \d+\. [a-zæøå]+ \d{4} kl\. \d\d:\d\d - \d\d:\d\d$/);
    assert.match(await slot.textContent(), /^\d\d:\d\d - \d\d:\d\d$/);
    await slot.click();

    await page.getByRole("heading", { level: 1, name: "Se gjennom før du sender" }).waitFor();
    for (const text of ["Time hos Influensa, Helsenorge testlegekontor", "Antatt varighet: 15 min", "Maks 50 tegn.", "0/50 tegn", "Henvendelsen lagres i legens journalsystem."]) {
      assert.ok(await page.getByText(text).isVisible(), text);
    }
    assert.ok(await page.getByText(name).isVisible(), "the chosen time in full");
    await page.getByLabel("Hva gjelder det?").fill("Influensavaksine 💉");
    assert.equal(await page.locator("#reason-counter").textContent(), "18/50 tegn");
    await page.getByRole("button", { name: "Send" }).click();

    await page.getByRole("heading", { level: 1, name: "Timen er bestilt" }).waitFor();
    await page.getByRole("link", { name: "Til Timeavtaler" }).click();
    await page.getByRole("heading", { level: 1, name: "Timeavtaler" }).waitFor();
    assert.ok(await page.getByText(name).first().isVisible(), "the booked time is listed");
    assert.ok(await page.getByText("Time til vaksine hos Helsenorge testlegekontor").isVisible());
    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: /^Legg til i kalender/ }).first().click();
    assert.match((await download).suggestedFilename(), /^time-\d+\.ics$/);
  });

  test("an empty and a 51-character reason get the error summary and change nothing", async () => {
    const page = await newPage();
    await logIn(page, server.base, "Viktig Person");
    await chooseService(page, "Vaksine");
    await page.locator(".slots button").first().click();
    await page.getByRole("button", { name: "Send" }).click();
    assert.ok(await page.getByText("Sjekk at følgende er riktig valgt/utfylt:").isVisible());
    assert.ok(await page.getByText("Du må skrive hva timen gjelder").isVisible());
    await page.locator(".error-summary a", { hasText: "Hva gjelder det?" }).click();
    assert.equal(await page.evaluate(() => document.activeElement.id), "reason");
    await page.getByLabel("Hva gjelder det?").fill("x".repeat(51));
    assert.equal(await page.locator("#reason-counter").textContent(), "51/50 tegn");
    await page.getByRole("button", { name: "Send" }).click();
    assert.ok(await page.getByText("Sjekk at følgende er riktig valgt/utfylt:").isVisible());
    await page.goto(`${server.base}/timeavtaler`);
    assert.ok(await page.getByText("Du har ingen kommende timer.").isVisible());
  });

  test("a blocked patient sees the guide's message and no slots", async () => {
    const page = await newPage();
    await logIn(page, server.base, "Per Sperre");
    await chooseService(page, "Vaksine");
    assert.ok(await page.getByText("Tjenesten kunne ikke hente ledige timer. Prøv igjen senere.").isVisible());
    assert.equal(await page.locator(".slots button").count(), 0);
  });

  test("two browsers race for one slot: one wins, the other is told plainly", async () => {
    const [kari, ola] = [await newPage(), await newPage()];
    await logIn(kari, server.base, "Kari Nordmann");
    await logIn(ola, server.base, "Ola Nordmann");
    await chooseService(kari, "Ta prøve på laboratoriet");
    await chooseService(ola, "Ta prøve på laboratoriet");
    const label = await kari.locator(".slots button").first().getAttribute("aria-label");
    await Promise.all([kari, ola].map((p) => p.getByRole("button", { name: label }).click()));
    const reviewing = [];
    for (const page of [kari, ola]) {
      await page.waitForLoadState();
      if ((await page.locator("h1").textContent()) === "Se gjennom før du sender") reviewing.push(page);
      else assert.ok(await page.getByText("Noen andre har nettopp fått denne timen. Velg en annen time.").isVisible());
    }
    assert.equal(reviewing.length, 1, "exactly one browser holds the slot");
    await reviewing[0].getByLabel("Hva gjelder det?").fill("Blodprøve");
    await reviewing[0].getByRole("button", { name: "Send" }).click();
    await reviewing[0].getByRole("heading", { level: 1, name: "Timen er bestilt" }).waitFor();
  });

  test("cancelling before the deadline", async () => {
    const page = await newPage();
    await logIn(page, server.base, "Ola Nordmann");
    await chooseService(page, "Vaksine");
    await dayAhead(page, 3);
    await page.locator(".slots button").first().click();
    await page.getByLabel("Hva gjelder det?").fill("Oppfriskningsdose");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("link", { name: "Til Timeavtaler" }).click();
    assert.ok(await page.getByText(/^Du kan avbestille fram til /).first().isVisible());
    await page.getByRole("button", { name: /^Avbestill/ }).first().click();
    assert.ok(await page.getByText("Timen er avbestilt.").isVisible());
    assert.ok(await page.getByText("Avbestilt av deg").isVisible());
  });

  test("no «Avbestill» after the deadline, but how to reach the office", async () => {
    // The demo's Koronavaksine timebook closes online cancellation seven days before; its
    // first free time is at most a weekend away.
    const page = await newPage();
    await logIn(page, server.base, "Kari Nordmann");
    await chooseService(page, "Koronavaksine");
    const label = await page.locator(".slots button").first().getAttribute("aria-label");
    await page.locator(".slots button").first().click();
    await page.getByLabel("Hva gjelder det?").fill("Oppfriskningsdose");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByRole("link", { name: "Til Timeavtaler" }).click();
    const item = page.locator(".appointment", { hasText: label }).filter({ hasText: "Time til koronavaksine" });
    assert.ok(await item.getByText("Det er for sent å avbestille på nett. Kontakt legekontoret hvis du ikke kan komme.").isVisible());
    assert.equal(await item.getByRole("button", { name: /^Avbestill/ }).count(), 0);
  });

  test("«Språk/Language» switches language and keeps the choice", async () => {
    const page = await newPage();
    await logIn(page, server.base, "Kari Nordmann");
    await page.getByRole("link", { name: "Nynorsk" }).click();
    assert.equal(await page.getAttribute("html", "lang"), "nn");
    assert.ok(await page.getByRole("heading", { level: 1, name: "Timeavtalar" }).isVisible());
    await page.getByRole("link", { name: "Bestill ny time" }).click();
    assert.ok(await page.getByRole("heading", { level: 1, name: "Kva treng du?" }).isVisible());
    await page.getByRole("link", { name: "English" }).click();
    assert.ok(await page.getByRole("heading", { level: 1, name: "What do you need?" }).isVisible());
    await page.goto(`${server.base}/timeavtaler`);
    assert.equal(await page.getAttribute("html", "lang"), "en");
  });

  test("the journey by keyboard only", async () => {
    const page = await newPage();
    await page.goto(`${server.base}/logg-inn`);
    const tabTo = async (check) => {
      for (let i = 0; i < 80; i += 1) {
        await page.keyboard.press("Tab");
        if (await page.evaluate(check)) return;
      }
      throw new Error(`never reached by Tab: ${check}`);
    };
    await tabTo(() => document.activeElement.labels?.[0]?.textContent === "Viktig Person");
    await page.keyboard.press("Space");
    await tabTo(() => document.activeElement.textContent.trim() === "Logg inn");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Timeavtaler" }).waitFor();
    await tabTo(() => document.activeElement.textContent.trim() === "Bestill ny time");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Hva trenger du?" }).waitFor();
    await tabTo(() => document.activeElement.labels?.[0]?.textContent === "Koronavaksine");
    await page.keyboard.press("Space");
    await tabTo(() => document.activeElement.textContent.trim() === "Neste");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Velg time" }).waitFor();
    await tabTo(() => document.activeElement.closest(".slots") !== null);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Se gjennom før du sender" }).waitFor();
    await tabTo(() => document.activeElement.id === "reason");
    await page.keyboard.type("Vaksine");
    await tabTo(() => document.activeElement.textContent.trim() === "Send");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Timen er bestilt" }).waitFor();
  });

  test("axe-core finds no violations on any page, in all three languages; pages stay small", async () => {
    const page = await newPage();
    const pages = [];
    const check = async (name) => {
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], `${name}: ${violations.join("\n")}`);
      const weight = await pageWeight(page);
      assert.ok(weight < 60_000, `${name} weighs ${weight} bytes`);
      pages.push(name);
    };
    let receipt;
    for (const lang of ["nb", "nn", "en"]) {
      await page.context().clearCookies();
      await page.goto(`${server.base}/sprak/${lang}?tilbake=/logg-inn`);
      await check(`login-${lang}`);
      // Viktig Person, whose Vaksine and Lab timebooks are still free in this run.
      await page.locator("input[name=patient]").first().check();
      await page.locator("form[action='/logg-inn'] button").click();
      await check(`appointments-${lang}`);
      if (lang === "nb") await screenshot(page, "appointments");
      await page.locator("a[href='/bestill']").first().click();
      await check(`services-${lang}`);
      if (lang === "nb") await screenshot(page, "services");
      await page.locator("form[action='/bestill'] button.primary").click();
      await check(`services-error-${lang}`);
      // Vaksine, booked in bokmål; then Lab, only held, since one Vaksine time is the limit.
      await page.locator("input[name=timebook]").nth(lang === "nb" ? 2 : 1).check();
      await page.locator("form[action='/bestill'] button.primary").click();
      await check(`choose-${lang}`);
      if (lang === "nb") await screenshot(page, "choose");
      await page.locator(".slots button").first().click();
      await check(`review-${lang}`);
      if (lang === "nb") await screenshot(page, "review");
      await page.locator("form[action$='/send'] button.primary").click();
      await check(`review-error-${lang}`);
      if (lang === "nb") {
        await screenshot(page, "review-error");
        await page.locator("#reason").fill("Kontroll");
        await page.locator("form[action$='/send'] button.primary").click();
        receipt = page.url();
        await screenshot(page, "receipt");
      } else {
        await page.goto(receipt);
      }
      await check(`receipt-${lang}`);
      await page.goto(`${server.base}/timeavtaler/999999/kalender.ics`);
      await check(`not-found-${lang}`);
      await page.goto(`${server.base}/timeavtaler`);
      await page.locator("form[action='/logg-ut'] button").click();
    }
    assert.equal(pages.length, 27);
  });
});

// The guide's booking journey in headless Chromium, with axe-core on every page.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { axeViolations, chooseService, clickAndSee, launch, logIn, pageWeight, screenshot, startTimebok } from "./harness.mjs";

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

/** The level-one heading of a page. */
function heading(page, name) {
  return page.getByRole("heading", { level: 1, name });
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
    for (const text of ["Alle felt må fylles ut", "Velg sted", "I dag", "Informasjon fra legekontoret"]) {
      assert.ok(await page.getByText(text, { exact: false }).first().isVisible(), text);
    }
    // The label above the heading names the task, with no colon left hanging after it.
    assert.ok(await page.getByText("Timebestilling", { exact: true }).isVisible());
    const heads = await page.locator("thead th").allTextContents();
    assert.deepEqual(heads, ["Man", "Tir", "Ons", "Tor", "Fre", "Lør", "Søn"]);
    assert.match(await page.locator("#free-heading").textContent(), /^Ledige timer \d+\. [a-zæøå]+\.? \d{4}$/);
    assert.ok(await page.getByText("Oppmøtested: Influensaveien 3a, 1325 Lysaker").isVisible());
    const slot = page.locator(".slots button").first();
    const name = await slot.getAttribute("aria-label");
    assert.match(name, /^(Mandag|Tirsdag|Onsdag|Torsdag|Fredag) \d+\. [a-zæøå]+ \d{4} kl\. \d\d:\d\d - \d\d:\d\d$/);
    assert.match(await slot.textContent(), /^\d\d:\d\d - \d\d:\d\d$/);
    await clickAndSee(slot, heading(page, "Se gjennom før du sender"));
    for (const text of ["Time hos Influensa, Helsenorge testlegekontor", "Antatt varighet: 15 min", "Maks 50 tegn.", "0/50 tegn", "Henvendelsen lagres i legens journalsystem."]) {
      assert.ok(await page.getByText(text).isVisible(), text);
    }
    assert.ok(await page.getByText(name).isVisible(), "the chosen time in full");
    await page.getByLabel("Hva gjelder det?").fill("Influensavaksine 💉");
    assert.equal(await page.locator("#reason-counter").textContent(), "18/50 tegn");
    await clickAndSee(page.getByRole("button", { name: "Send" }), heading(page, "Timen er bestilt"));
    await clickAndSee(page.getByRole("link", { name: "Til Timeavtaler" }), heading(page, "Timeavtaler"));
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
    await clickAndSee(page.locator(".slots button").first(), heading(page, "Se gjennom før du sender"));
    await clickAndSee(page.getByRole("button", { name: "Send" }), page.getByText("Sjekk at følgende er riktig valgt/utfylt:"));
    assert.ok(await page.getByText("Du må skrive hva timen gjelder").isVisible());
    await page.locator(".error-summary a", { hasText: "Hva gjelder det?" }).click();
    assert.equal(await page.evaluate(() => document.activeElement.id), "reason");
    await page.getByLabel("Hva gjelder det?").fill("x".repeat(51));
    assert.equal(await page.locator("#reason-counter").textContent(), "51/50 tegn");
    // The page comes again with the summary, so clickAndSee's wait for the new page matters.
    await clickAndSee(page.getByRole("button", { name: "Send" }), page.getByText("Sjekk at følgende er riktig valgt/utfylt:"));
    await page.goto(`${server.base}/timeavtaler`);
    await page.getByText("Du har ingen kommende timer.").waitFor();
  });

  test("a blocked patient sees the guide's message and no slots", async () => {
    const page = await newPage();
    await logIn(page, server.base, "Per Sperre");
    await chooseService(page, "Vaksine");
    await page.getByText("Tjenesten kunne ikke hente ledige timer. Prøv igjen senere.").waitFor();
    assert.equal(await page.locator(".slots button").count(), 0);
  });

  test("two browsers race for one slot: one wins, the other is told plainly", async () => {
    const [kari, ola] = [await newPage(), await newPage()];
    await logIn(kari, server.base, "Kari Nordmann");
    await logIn(ola, server.base, "Ola Nordmann");
    await chooseService(kari, "Ta prøve på laboratoriet");
    await chooseService(ola, "Ta prøve på laboratoriet");
    const label = await kari.locator(".slots button").first().getAttribute("aria-label");
    const taken = "Noen andre har nettopp fått denne timen. Velg en annen time.";
    // Each browser comes to «Se gjennom før du sender» or back to «Velg time» with the notice.
    await Promise.all(
      [kari, ola].map((p) =>
        clickAndSee(p.getByRole("button", { name: label }), heading(p, "Se gjennom før du sender").or(p.getByText(taken))),
      ),
    );
    const reviewing = [];
    for (const page of [kari, ola]) {
      if ((await page.locator("h1").textContent()) === "Se gjennom før du sender") reviewing.push(page);
      else assert.ok(await page.getByText(taken).isVisible());
    }
    assert.equal(reviewing.length, 1, "exactly one browser holds the slot");
    await reviewing[0].getByLabel("Hva gjelder det?").fill("Blodprøve");
    await clickAndSee(reviewing[0].getByRole("button", { name: "Send" }), heading(reviewing[0], "Timen er bestilt"));
  });

  test("cancelling before the deadline", async () => {
    const page = await newPage();
    await logIn(page, server.base, "Ola Nordmann");
    await chooseService(page, "Vaksine");
    await dayAhead(page, 3);
    await clickAndSee(page.locator(".slots button").first(), heading(page, "Se gjennom før du sender"));
    await page.getByLabel("Hva gjelder det?").fill("Oppfriskningsdose");
    await clickAndSee(page.getByRole("button", { name: "Send" }), heading(page, "Timen er bestilt"));
    await clickAndSee(page.getByRole("link", { name: "Til Timeavtaler" }), heading(page, "Timeavtaler"));
    await page.getByText(/^Du kan avbestille fram til /).first().waitFor();
    await clickAndSee(page.getByRole("button", { name: /^Avbestill/ }).first(), page.getByText("Timen er avbestilt."));
    assert.ok(await page.getByText("Avbestilt av deg").isVisible());
  });

  test("no «Avbestill» after the deadline, but how to reach the office", async () => {
    // The demo's Koronavaksine timebook closes online cancellation seven days before; its
    // first free time is at most a weekend away.
    const page = await newPage();
    await logIn(page, server.base, "Kari Nordmann");
    await chooseService(page, "Koronavaksine");
    const label = await page.locator(".slots button").first().getAttribute("aria-label");
    await clickAndSee(page.locator(".slots button").first(), heading(page, "Se gjennom før du sender"));
    await page.getByLabel("Hva gjelder det?").fill("Oppfriskningsdose");
    await clickAndSee(page.getByRole("button", { name: "Send" }), heading(page, "Timen er bestilt"));
    await clickAndSee(page.getByRole("link", { name: "Til Timeavtaler" }), heading(page, "Timeavtaler"));
    const item = page.locator(".appointment", { hasText: label }).filter({ hasText: "Time til koronavaksine" });
    await item.getByText("Det er for sent å avbestille på nett. Kontakt legekontoret hvis du ikke kan komme.").waitFor();
    assert.equal(await item.getByRole("button", { name: /^Avbestill/ }).count(), 0);
  });

  test("«Språk/Language» switches language and keeps the choice", async () => {
    const page = await newPage();
    await logIn(page, server.base, "Kari Nordmann");
    await clickAndSee(page.getByRole("link", { name: "Nynorsk" }), heading(page, "Timeavtalar"));
    assert.equal(await page.getAttribute("html", "lang"), "nn");
    await clickAndSee(page.getByRole("link", { name: "Bestill ny time" }), heading(page, "Kva treng du?"));
    await clickAndSee(page.getByRole("link", { name: "English" }), heading(page, "What do you need?"));
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
    // The services are one radio group: one Tab stop, and the arrow keys choose within it.
    await tabTo(() => document.activeElement.type === "radio");
    for (let i = 0; i < 10 && (await page.evaluate(() => document.activeElement.labels?.[0]?.textContent)) !== "Koronavaksine"; i += 1) {
      await page.keyboard.press("ArrowDown");
    }
    assert.equal(await page.evaluate(() => document.activeElement.labels?.[0]?.textContent), "Koronavaksine");
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
    // The level-one headings the pages show in each language.
    const titles = {
      nb: { appointments: "Timeavtaler", services: "Hva trenger du?", choose: "Velg time", review: "Se gjennom før du sender" },
      nn: { appointments: "Timeavtalar", services: "Kva treng du?", choose: "Vel time", review: "Sjå gjennom før du sender" },
      en: { appointments: "Appointments", services: "What do you need?", choose: "Choose a time", review: "Review before you send" },
    };
    let receipt;
    for (const lang of ["nb", "nn", "en"]) {
      const title = titles[lang];
      await page.context().clearCookies();
      await page.goto(`${server.base}/sprak/${lang}?tilbake=/logg-inn`);
      await check(`login-${lang}`);
      // Viktig Person, whose Vaksine and Lab timebooks are still free in this run.
      await page.locator("input[name=patient]").first().check();
      await clickAndSee(page.locator("form[action='/logg-inn'] button"), heading(page, title.appointments));
      await check(`appointments-${lang}`);
      if (lang === "nb") await screenshot(page, "appointments");
      await clickAndSee(page.locator("a[href='/bestill']").first(), heading(page, title.services));
      await check(`services-${lang}`);
      if (lang === "nb") await screenshot(page, "services");
      await clickAndSee(page.locator("form[action='/bestill'] button.primary"), page.locator(".error-summary"));
      await check(`services-error-${lang}`);
      // Vaksine, booked in bokmål; then Lab, only held, since one Vaksine time is the limit.
      // In the guide's order: the GP's consultation, Koronavaksine, Lab, Vaksine.
      await page.locator("input[name=timebook]").nth(lang === "nb" ? 3 : 2).check();
      await clickAndSee(page.locator("form[action='/bestill'] button.primary"), heading(page, title.choose));
      await check(`choose-${lang}`);
      if (lang === "nb") await screenshot(page, "choose");
      await clickAndSee(page.locator(".slots button").first(), heading(page, title.review));
      await check(`review-${lang}`);
      if (lang === "nb") await screenshot(page, "review");
      await clickAndSee(page.locator("form[action$='/send'] button.primary"), page.locator(".error-summary"));
      await check(`review-error-${lang}`);
      if (lang === "nb") {
        await screenshot(page, "review-error");
        await page.locator("#reason").fill("Kontroll");
        await clickAndSee(page.locator("form[action$='/send'] button.primary"), heading(page, "Timen er bestilt"));
        receipt = page.url();
        await screenshot(page, "receipt");
      } else {
        await page.goto(receipt);
      }
      await check(`receipt-${lang}`);
      await page.goto(`${server.base}/timeavtaler/999999/kalender.ics`);
      await check(`not-found-${lang}`);
      await page.goto(`${server.base}/timeavtaler`);
      // Logged out, the browser lands on the login page.
      await clickAndSee(page.locator("form[action='/logg-ut'] button"), page.locator("form[action='/logg-inn']"));
    }
    assert.equal(pages.length, 27);
  });
});

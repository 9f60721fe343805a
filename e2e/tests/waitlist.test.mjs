// «Venteliste» in headless Chromium: Ola has the only place Kari and Viktig Person want; both
// join the waitlist from «Velg time» (Viktig without JavaScript, by keyboard), Kari first. Ola
// cancels; Kari, first in line, gets the SMS with the link, logs in through it and books the
// place; Viktig, behind her, is never offered it. Staff see the line. Every new page passes
// axe at 320 px.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { axeViolations, chooseService, clickAndSee, freeDays, launch, logIn, navigatingTo, screenshot, staffPage, startSmsGateway, startTimebok } from "./harness.mjs";

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

const KARI = "+4791234567";
const VIKTIG = "+4791234569";

/** axe at 320 px, where the page must also not scroll sideways. */
async function clean(page, name) {
  await page.setViewportSize({ width: 320, height: 800 });
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `${name}: ${violations.join("\n")}`);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 320, `${name} is ${wide} px wide at 320 px`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** The patient gives a mobile number in «Varslingsinnstillinger», so SMS is their channel. */
async function giveMobile(name, number) {
  const page = await (await browser.newContext()).newPage();
  await logIn(page, server.base, name);
  await clickAndSee(
    page.getByRole("link", { name: "Varslingsinnstillinger" }),
    page.getByRole("heading", { level: 1, name: "Varslingsinnstillinger" }),
  );
  await page.getByLabel("Mobilnummer").fill(number);
  await page.getByLabel("SMS", { exact: true }).check();
  await clickAndSee(page.getByRole("button", { name: "Lagre" }), page.getByText("Varslingsinnstillingene er lagret."));
  await page.context().close();
}

const WEEKDAYS = ["Søndag", "Mandag", "Tirsdag", "Onsdag", "Torsdag", "Fredag", "Lørdag"];

/**
 * Fills «Sett meg på venteliste» for the place «Influensa», on `day` only, from `from` up to
 * `to`.
 */
async function fillWish(page, { day, from, to }) {
  await page.getByLabel("Sted", { exact: true }).selectOption({ label: "Influensa" });
  const weekday = WEEKDAYS[new Date(`${day}T12:00:00Z`).getUTCDay()];
  for (const name of WEEKDAYS) {
    await page.getByLabel(name, { exact: true }).setChecked(name === weekday);
  }
  await page.getByLabel("Fra klokken").fill(from);
  await page.getByLabel("Til klokken").fill(to);
  await page.getByLabel("Fra dato").fill(day);
  await page.getByLabel("Til dato").fill(day);
}

/** From «Velg time» on `day` to the waitlist's form, by its link. */
async function toWaitlistForm(page, timebook, day) {
  await page.goto(`${server.base}${timebook}?dag=${day}&maned=${day.slice(0, 7)}`);
  await clickAndSee(page.getByRole("link", { name: "Sett meg på venteliste" }), page.getByRole("heading", { level: 1, name: "Sett meg på venteliste" }));
}

describe("«Venteliste»", () => {
  test("a place Ola cancels goes to Kari, first in line, who books it by the link; Viktig behind her is not offered it", async () => {
    await giveMobile("Viktig Person", "912 34 569");

    // Ola books the first time of a day at least three days ahead, at «Influensa».
    const ola = await (await browser.newContext()).newPage();
    await logIn(ola, server.base, "Ola Nordmann");
    await chooseService(ola, "Vaksine");
    const timebook = new URL(ola.url()).pathname;
    const soonest = new Date(Date.now() + 3 * 24 * 3600_000).toISOString().slice(0, 10);
    const day = (await freeDays(ola)).find((d) => d >= soonest);
    assert.ok(day, "a free day ahead");
    await ola.goto(`${server.base}${timebook}?dag=${day}&maned=${day.slice(0, 7)}`);
    const slot = ola.locator(".slots button").first();
    const [from, to] = (await slot.innerText()).split(/\s*-\s*/);
    const label = await slot.getAttribute("aria-label");
    await clickAndSee(slot, ola.getByRole("heading", { level: 1, name: "Se gjennom før du sender" }));
    await ola.getByLabel("Hva gjelder det?").fill("Influensavaksine");
    await clickAndSee(ola.getByRole("button", { name: "Send" }), ola.getByRole("heading", { level: 1, name: "Timen er bestilt" }));

    // Kari finds no other time that suits and joins the waitlist from «Velg time».
    const kari = await (await browser.newContext()).newPage();
    await logIn(kari, server.base, "Kari Nordmann");
    await toWaitlistForm(kari, timebook, day);
    await clean(kari, "«Sett meg på venteliste»");
    // Sent without a weekday, the form says so and keeps her on it.
    for (const name of WEEKDAYS) {
      await kari.getByLabel(name, { exact: true }).setChecked(false);
    }
    await clickAndSee(kari.getByRole("button", { name: "Sett meg på venteliste" }), kari.getByRole("link", { name: /Velg minst én dag/ }));
    await clean(kari, "«Sett meg på venteliste» with an error");
    await fillWish(kari, { day, from, to });
    await clickAndSee(kari.getByRole("button", { name: "Sett meg på venteliste" }), kari.getByText("Du står nå på ventelisten."));
    assert.ok(await kari.getByRole("heading", { level: 2, name: "Venteliste" }).isVisible());
    assert.ok(await kari.getByText(`kl. ${from}–${to}`).isVisible());
    await clean(kari, "«Timeavtaler» with the waitlist");

    // Viktig joins after her, without JavaScript, sending the form by keyboard.
    const viktigContext = await browser.newContext({ javaScriptEnabled: false });
    const viktig = await viktigContext.newPage();
    await logIn(viktig, server.base, "Viktig Person");
    await toWaitlistForm(viktig, timebook, day);
    await fillWish(viktig, { day, from, to });
    await viktig.getByRole("button", { name: "Sett meg på venteliste" }).focus();
    await navigatingTo(viktig, () => viktig.keyboard.press("Enter"), viktig.getByText("Du står nå på ventelisten."));

    // Staff see the line: Kari, then Viktig.
    const staff = await staffPage(browser, server.base);
    await clickAndSee(staff.getByRole("link", { name: "Venteliste" }), staff.getByRole("heading", { level: 1, name: "Venteliste" }));
    await staff.getByLabel("Vis timebok").selectOption({ label: "Vaksine" });
    await clickAndSee(staff.getByRole("button", { name: "Vis", exact: true }), staff.getByRole("table", { name: "Venteliste: Vaksine" }));
    const rows = await staff.getByRole("table").locator("tbody tr").allInnerTexts();
    assert.deepEqual(
      rows.map((row) => row.match(/Kari Nordmann|Viktig Person/)?.[0]),
      ["Kari Nordmann", "Viktig Person"],
    );
    await clean(staff, "the office's «Venteliste»");

    // Ola cancels; the place is held for Kari and the SMS brings her the link.
    await clickAndSee(ola.getByRole("link", { name: "Timeavtaler" }).first(), ola.getByRole("heading", { level: 1, name: "Timeavtaler" }));
    await clickAndSee(ola.getByRole("button", { name: `Avbestill: ${label}` }), ola.getByText("Timen er avbestilt."));
    const [offer] = await gateway.waitFor((sms) => sms.to === KARI && sms.text.includes("/venteliste/tilbud/"));
    assert.match(offer.text, /^Kari, en ledig time til vaksine hos Helsenorge testlegekontor/);
    assert.ok(offer.text.includes(`kl. ${from}`), offer.text);
    const link = offer.text.match(/(http:\/\/\S+\/venteliste\/tilbud\/\d+)/)?.[1];
    assert.ok(link?.startsWith(`${server.base}/venteliste/tilbud/`), offer.text);

    // She opens it in a browser not logged in, logs in, lands on the offer and books it.
    const phone = await (await browser.newContext()).newPage();
    await phone.goto(link);
    await phone.getByRole("heading", { level: 1, name: "Logg inn" }).waitFor();
    await phone.getByLabel("Kari Nordmann", { exact: true }).check();
    await clickAndSee(phone.getByRole("button", { name: "Logg inn" }), phone.getByRole("heading", { level: 1, name: "Ledig time fra ventelisten" }));
    assert.ok(await phone.getByText(label).isVisible());
    assert.ok(await phone.getByText(/Timen er holdt av til deg til kl\. \d\d:\d\d\./).isVisible());
    await clean(phone, "the offer");
    await screenshot(phone, "waitlist-offer");
    await phone.getByLabel("Hva gjelder det?").fill("Influensavaksine");
    await clickAndSee(phone.getByRole("button", { name: "Bestill" }), phone.getByRole("heading", { level: 1, name: "Timen er bestilt" }));
    await clickAndSee(phone.getByRole("link", { name: "Timeavtaler" }).first(), phone.getByRole("heading", { level: 1, name: "Timeavtaler" }));
    assert.ok(await phone.locator(".appointment", { hasText: "Influensavaksine" }).getByText(label).isVisible());
    // Booked from the waitlist, Kari is off it.
    assert.equal(await phone.getByRole("heading", { level: 2, name: "Venteliste" }).count(), 0);

    // The booking's notice went out in a worker round that offered the waitlist's places
    // again after the booking; Viktig, next in line, was offered nothing, then or before.
    await gateway.waitFor((sms) => sms.to === KARI && sms.text.includes("du har fått time til vaksine"));
    assert.deepEqual(
      gateway.texts.filter((sms) => sms.to === VIKTIG),
      [],
      "no offer to Viktig",
    );
    await viktig.goto(`${server.base}/timeavtaler`);
    assert.ok(await viktig.getByRole("heading", { level: 2, name: "Venteliste" }).isVisible());
    assert.equal(await viktig.getByRole("link", { name: "Se tilbudet" }).count(), 0);
    // And staff see Viktig alone in line, with no offer.
    await staff.reload();
    const left = await staff.getByRole("table").locator("tbody tr").allInnerTexts();
    assert.equal(left.length, 1);
    assert.match(left[0], /Viktig Person/);
    assert.match(left[0], /Ingen$/);
  });
});

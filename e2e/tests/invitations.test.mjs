// «Innkalling» in headless Chromium: staff invite three patients by pasting their numbers (one
// pasted line is rejected), each gets an SMS through a real HTTP gateway with a link into
// «Velg time», one books through the link after logging in, and the list shows who did.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as harness from "./harness.mjs";
import { axeViolations, clickAndSee, launch, logIn, screenshot, startTimebok } from "./harness.mjs";

let server;
let browser;
let gateway;

before(async () => {
  gateway = await harness.startSmsGateway();
  server = await startTimebok({ config: gateway.config });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
  gateway?.close();
});

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

const staffPage = () => harness.staffPage(browser, server.base);
const nationalIdOf = (name) => harness.nationalIdOf(browser, server.base, name);

/** Waits until the gateway has taken `count` texts that hold `needle`. */
const smsWith = (needle, count) => gateway.waitFor((sms) => sms.text.includes(needle), count);

describe("innkalling", () => {
  test("three patients invited (one pasted line rejected) get the link; one books through it; the list shows who", async () => {
    await giveMobile("Ola Nordmann", "912 34 568");
    await giveMobile("Viktig Person", "912 34 569");
    const numbers = await Promise.all(["Kari Nordmann", "Ola Nordmann", "Viktig Person"].map(nationalIdOf));

    const staff = await staffPage();
    await clickAndSee(staff.getByRole("link", { name: "Innkalling" }), staff.getByRole("heading", { level: 1, name: "Innkalling" }));
    assert.deepEqual(await axeViolations(staff), []);
    await staff.getByLabel("Timebok", { exact: true }).selectOption({ label: "Vaksine" });
    await staff.getByLabel("Melding til pasientene").fill("Det er tid for influensavaksinen.");
    await staff.getByLabel("Fødselsnumre", { exact: true }).fill([numbers[0], "1234", numbers[1], numbers[2]].join("\n"));
    await clickAndSee(
      staff.getByRole("button", { name: "Send innkalling" }),
      staff.getByText("Innkalling sendt til 3 pasienter. 1 linjer ble ikke sendt."),
    );
    assert.ok(await staff.getByText("Linje 2: ugyldig fødselsnummer").isVisible());
    assert.ok(await staff.getByText("Sendt: 3. Bestilt: 0. Utløpt: 0.").isVisible());
    assert.deepEqual(await axeViolations(staff), []);
    await screenshot(staff, "invitations-sent");

    // Each of the three gets the SMS, with the office's words and the link into «Velg time».
    const sent = await smsWith("Det er tid for influensavaksinen.", 3);
    assert.deepEqual(sent.map((t) => t.to).sort(), ["+4791234567", "+4791234568", "+4791234569"]);
    const kari = sent.find((t) => t.to === "+4791234567").text;
    assert.match(kari, /^Kari, Helsenorge testlegekontor ber deg bestille time: Vaksine\./);
    const link = kari.match(/(http:\/\/\S+\/bestill\/\d+\?\S+)/)?.[1];
    assert.ok(link?.startsWith(`${server.base}/bestill/`), kari);

    // Kari follows the link, logs in, lands on «Velg time» and books.
    const patient = await (await browser.newContext()).newPage();
    await patient.goto(link);
    await patient.getByRole("heading", { level: 1, name: "Logg inn" }).waitFor();
    await patient.getByLabel("Kari Nordmann", { exact: true }).check();
    await clickAndSee(patient.getByRole("button", { name: "Logg inn" }), patient.getByRole("heading", { level: 1, name: "Velg time" }));
    await clickAndSee(
      patient.locator("li[id^=tid-]").first().getByRole("button"),
      patient.getByRole("heading", { level: 1, name: "Se gjennom før du sender" }),
    );
    await patient.getByLabel("Hva gjelder det?").fill("Influensavaksine");
    await clickAndSee(patient.getByRole("button", { name: "Send" }), patient.getByRole("heading", { level: 1, name: "Timen er bestilt" }));

    // The list shows that Kari booked and the others have not.
    await clickAndSee(staff.getByRole("link", { name: "Innkalling" }), staff.getByRole("heading", { level: 1, name: "Innkalling" }));
    await staff.getByLabel("Vis timebok").selectOption({ label: "Vaksine" });
    await clickAndSee(staff.getByRole("button", { name: "Vis", exact: true }), staff.getByText("Sendt: 2. Bestilt: 1. Utløpt: 0."));
    const row = (name) => staff.locator("tr", { hasText: name });
    assert.match(await row("Kari Nordmann").innerText(), /Bestilt/);
    assert.match(await row("Ola Nordmann").innerText(), /Sendt/);
    assert.match(await row("Viktig Person").innerText(), /Sendt/);

    // The reminder goes to the two who have not booked.
    await clickAndSee(staff.getByRole("button", { name: "Send påminnelse" }), staff.getByText("Påminnelse sendt til 2 pasienter."));
    const reminders = await smsWith("husk å bestille time", 2);
    assert.deepEqual(reminders.map((t) => t.to).sort(), ["+4791234568", "+4791234569"]);
  });

  test("by keyboard, with nothing filled in, the form says what is missing and sends nothing", async () => {
    const staff = await staffPage();
    await staff.goto(`${server.base}/klinikk/innkalling`);
    await staff.getByLabel("Fødselsnumre", { exact: true }).focus();
    await staff.keyboard.type("999");
    await staff.getByRole("button", { name: "Send innkalling" }).focus();
    const before = gateway.texts.length;
    await clickAndSee(
      { page: () => staff, click: () => staff.keyboard.press("Enter") },
      staff.getByText("Skriv eller last opp minst ett gyldig fødselsnummer.").first(),
    );
    assert.ok(await staff.getByText("Linje 1: ugyldig fødselsnummer").isVisible());
    assert.deepEqual(await axeViolations(staff), []);
    for (const lang of ["nn", "en"]) {
      await staff.goto(`${server.base}/sprak/${lang}?tilbake=${encodeURIComponent("/klinikk/innkalling")}`);
      assert.deepEqual(await axeViolations(staff), [], lang);
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(gateway.texts.length, before, "nothing sent");
  });
});

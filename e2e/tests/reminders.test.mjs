// «Timebøker»: staff set a timebook's reminders and its confirmation after booking, by the
// labels they see, and a mistyped reminder is shown again with a message and changes nothing.
// Then, on a demo whose clock the test moves, a timebook's reminders at 48 and 2 hours reach
// the patient by SMS, each once.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as harness from "./harness.mjs";
import { axeViolations, chooseService, clickAndSee, demoClock, launch, logIn, screenshot, startSmsGateway, startTimebok } from "./harness.mjs";

let server;
let browser;

before(async () => {
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** Staff at «Timebøker», reached by its link. */
async function timebooksPage() {
  const staff = await harness.staffPage(browser, server.base);
  await clickAndSee(staff.getByRole("link", { name: "Timebøker" }), staff.getByRole("heading", { level: 1, name: "Timebøker" }));
  return staff;
}

/** The page is axe-clean, and at 320 px it reflows without scrolling sideways. */
async function accessible(page, what) {
  assert.deepEqual(await axeViolations(page), [], what);
  const size = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 640 });
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= client, `${what}: ${scroll} px wide at ${client} px`);
  assert.deepEqual(await axeViolations(page), [], `${what} at 320 px`);
  await page.setViewportSize(size);
}

describe("a timebook's notices", () => {
  before(async () => {
    server = await startTimebok();
  });

  after(() => server?.stop());

  test("staff set reminders 48 and 2 hours before on «Timebøker», and the page shows them", async () => {
    const staff = await timebooksPage();
    const vaksine = staff.getByRole("region", { name: "Vaksine", exact: true });
    const reminders = vaksine.getByLabel("Påminnelser");
    const confirmation = vaksine.getByLabel("Bekreftelse rett etter bestilling");
    assert.equal(await reminders.inputValue(), "24 t", "a day before unless the office changes it");
    assert.ok(await confirmation.isChecked(), "a confirmation unless the office changes it");
    await accessible(staff, "«Timebøker»");

    await reminders.fill("48 t, 2 t");
    await clickAndSee(vaksine.getByRole("button", { name: "Lagre varslene: Vaksine" }), staff.getByText("Varslene er lagret."));
    const saved = staff.getByRole("region", { name: "Vaksine", exact: true });
    assert.equal(await saved.getByLabel("Påminnelser").inputValue(), "48 t, 2 t");
    assert.ok(await saved.getByLabel("Bekreftelse rett etter bestilling").isChecked());
    // The other timebooks keep theirs.
    assert.equal(await staff.getByRole("region", { name: "Ta prøve på laboratoriet", exact: true }).getByLabel("Påminnelser").inputValue(), "24 t");

    // In English, the same reminders in its units.
    await staff.goto(`${server.base}/sprak/en?tilbake=${encodeURIComponent("/klinikk/timeboker")}`);
    const english = staff.getByRole("region", { name: "Vaccine", exact: true });
    await english.getByLabel("Reminders").waitFor();
    assert.equal(await english.getByLabel("Reminders").inputValue(), "48 h, 2 h");
    assert.ok(await english.getByLabel("Confirmation right after booking").isChecked());
    await staff.goto(`${server.base}/sprak/nb?tilbake=${encodeURIComponent("/klinikk/timeboker")}`);
    await staff.getByRole("heading", { level: 1, name: "Timebøker" }).waitFor();
  });

  test("a mistyped reminder is shown again with a message, by keyboard, and nothing changes", async () => {
    const staff = await timebooksPage();
    const lab = staff.getByRole("region", { name: "Ta prøve på laboratoriet", exact: true });
    const before = await lab.getByLabel("Påminnelser").inputValue();
    await lab.getByLabel("Bekreftelse rett etter bestilling").press("Space");
    await lab.getByLabel("Påminnelser").fill("2 uker");
    const message = "«2 uker» er ikke en tid før timen. Skriv et helt tall og min, t eller d, for eksempel «2 t».";
    // Sent with Enter from the field, as a keyboard user would.
    await harness.navigatingTo(staff, () => lab.getByLabel("Påminnelser").press("Enter"), staff.getByText(message).first());
    // The error summary leads to the field.
    const link = staff.getByRole("alert").getByRole("link", { name: message });
    const target = (await link.getAttribute("href")).slice(1);
    assert.equal(await staff.getByLabel("Påminnelser", { exact: true }).and(staff.locator(`[id="${target}"]`)).count(), 1);
    const refused = staff.getByRole("region", { name: "Ta prøve på laboratoriet", exact: true });
    assert.equal(await refused.getByLabel("Påminnelser").inputValue(), "2 uker", "kept as typed");
    assert.ok(!(await refused.getByLabel("Bekreftelse rett etter bestilling").isChecked()), "the box as it was sent");
    await accessible(staff, "«Timebøker» with a refused reminder");
    await screenshot(staff, "clinic-timebooks-refused-reminder");

    await clickAndSee(staff.getByRole("link", { name: "Timebøker" }), staff.getByRole("heading", { level: 1, name: "Timebøker" }));
    const unchanged = staff.getByRole("region", { name: "Ta prøve på laboratoriet", exact: true });
    assert.equal(await unchanged.getByLabel("Påminnelser").inputValue(), before, "nothing saved");
    assert.ok(await unchanged.getByLabel("Bekreftelse rett etter bestilling").isChecked(), "nothing saved");
  });
});

const KARI = "+4791234567";
const NORA = "+4793456789";
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MONTHS = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober", "november", "desember"];

/** The date a label such as «Torsdag 18. desember 2025, ledige timer» names, as `YYYY-MM-DD`. */
function dateIn(label) {
  const [, day, month, year] = label.match(/(\d+)\. ([a-zæøå]+) (\d{4})/);
  return `${year}-${String(MONTHS.indexOf(month) + 1).padStart(2, "0")}-${day.padStart(2, "0")}`;
}

/** Oslo's offset from UTC at the instant `ms`, in milliseconds. */
function osloOffset(ms) {
  const zone = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Oslo", timeZoneName: "longOffset" })
    .formatToParts(new Date(ms))
    .find((part) => part.type === "timeZoneName").value;
  const [, sign, hours, minutes] = zone.match(/GMT([+-])(\d\d):(\d\d)/) ?? [zone, "+", "0", "0"];
  return (sign === "-" ? -1 : 1) * (Number(hours) * HOUR + Number(minutes) * MINUTE);
}

/** When a slot labelled «Torsdag 18. desember 2025 kl. 08:00 - 08:15» starts, in ms since 1970. */
function startOf(label) {
  const [, time] = label.match(/kl\. (\d\d:\d\d) - /);
  const asIfUtc = Date.parse(`${dateIn(label)}T${time}:00Z`);
  // The offset at the first guess is the one that holds: no slot lies in a change's hour.
  return asIfUtc - osloOffset(asIfUtc - osloOffset(asIfUtc));
}

/** The day in Oslo at the instant `ms`, as `YYYY-MM-DD`. */
function osloDay(ms) {
  return new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Oslo" }).format(new Date(ms));
}

/**
 * On «Velg time», opens the first free day from `earliest` (`YYYY-MM-DD`) on, in this month or
 * the next, by the day's label; answers the label.
 */
async function openDay(page, earliest) {
  for (let month = 0; month < 2; month += 1) {
    const days = await page.getByRole("link", { name: /, ledige timer$/ }).evaluateAll((links) => links.map((a) => a.getAttribute("aria-label")));
    const day = days.find((label) => dateIn(label) >= earliest);
    if (day) {
      await clickAndSee(page.getByRole("link", { name: day, exact: true }), page.getByRole("heading", { level: 2, name: /^Ledige timer / }));
      return day;
    }
    await clickAndSee(page.getByRole("link", { name: "Neste måned" }), page.getByRole("heading", { level: 1, name: "Velg time" }));
  }
  assert.fail(`no free Vaksine day from ${earliest} on`);
}

/**
 * `name` logs in and books a Vaksine time on the first free day from `earliest` on: the time
 * `choose` picks among that day's. Answers the time's label and the «Oppmøtested» shown.
 * Someone who acts for others too (`forOthers`) comes to «Bytt person» first, and chooses
 * «Meg selv».
 */
async function bookVaksine(name, earliest, choose, { forOthers = false } = {}) {
  const page = await (await browser.newContext()).newPage();
  if (forOthers) {
    await page.goto(`${server.base}/logg-inn`);
    await page.getByLabel(name, { exact: true }).check();
    await clickAndSee(page.getByRole("button", { name: "Logg inn" }), page.getByRole("heading", { level: 1, name: "Bytt person" }));
    await clickAndSee(page.getByRole("button", { name: "Meg selv", exact: true }), page.getByRole("heading", { level: 1, name: "Timeavtaler" }));
  } else {
    await logIn(page, server.base, name);
  }
  await chooseService(page, "Vaksine");
  await openDay(page, earliest);
  const place = await page.getByText(/^Oppmøtested: /).innerText();
  const slot = choose(page.getByRole("region", { name: /^Ledige timer / }));
  const label = await slot.getAttribute("aria-label");
  await clickAndSee(slot, page.getByRole("heading", { level: 1, name: "Se gjennom før du sender" }));
  await page.getByLabel("Hva gjelder det?").fill("Influensavaksine");
  await clickAndSee(page.getByRole("button", { name: "Send" }), page.getByRole("heading", { level: 1, name: "Timen er bestilt" }));
  await page.context().close();
  return { label, place };
}

/**
 * Waits, with a deadline, until the register's «Varsler» shows no notice waiting: every one
 * written so far has reached the gateway (a job counts as waiting until its send is answered).
 * The operator logs in anew each time, since a moved clock has ended the last session.
 */
async function everyNoticeSent() {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${server.base}/personale/logg-inn`);
  await page.getByLabel("Operatør, Adresseregisteret").check();
  await clickAndSee(page.getByRole("button", { name: "Logg inn" }), page.getByRole("heading", { level: 1, name: "Adresseregisteret" }));
  const heading = page.getByRole("heading", { level: 1, name: "Varsler til pasienter" });
  await clickAndSee(page.getByRole("link", { name: "Varsler", exact: true }), heading);
  const waiting = () => page.locator(".counts div").filter({ has: page.locator("dt", { hasText: /^Venter$/ }) }).locator("dd").innerText();
  const deadline = Date.now() + 20_000;
  while ((await waiting()) !== "0") {
    assert.ok(Date.now() < deadline, `notices still waiting after 20 s: ${await waiting()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await page.reload();
    await heading.waitFor();
  }
  await page.context().close();
}

describe("a timebook's reminders go out", () => {
  let gateway;
  let clock;

  before(async () => {
    gateway = await startSmsGateway();
    clock = demoClock();
    server = await startTimebok({ config: gateway.config, env: clock.env });
  });

  after(() => {
    server?.stop();
    gateway?.close();
  });

  test("a timebook with reminders at 48 h and 2 h sends both (with a manual clock in the tests)", async () => {
    const staff = await timebooksPage();
    const vaksine = staff.getByRole("region", { name: "Vaksine", exact: true });
    await vaksine.getByLabel("Påminnelser").fill("48 t, 2 t");
    await clickAndSee(vaksine.getByRole("button", { name: "Lagre varslene: Vaksine" }), staff.getByText("Varslene er lagret."));
    await staff.context().close();

    // Kari books the first Vaksine time three days ahead or later, so that 48 hours before it
    // is still to come; Nora the time an hour after hers, the same day and place.
    const earliest = osloDay(clock.now().getTime() + 3 * 24 * HOUR);
    const kari = await bookVaksine("Kari Nordmann", earliest, (times) => times.getByRole("button").first());
    const later = kari.label.replace(/kl\. (\d\d):(\d\d) - (\d\d):(\d\d)$/, (_, h1, m1, h2, m2) => {
      const hour = (h) => String(Number(h) + 1).padStart(2, "0");
      return `kl. ${hour(h1)}:${m1} - ${hour(h2)}:${m2}`;
    });
    const nora = await bookVaksine("Nora Forelder", dateIn(kari.label), (times) => times.getByRole("button", { name: later, exact: true }), {
      forOthers: true,
    });
    assert.equal(nora.label, later);
    const start = startOf(kari.label);
    assert.equal(startOf(nora.label), start + HOUR);

    const to = (number) => gateway.texts.filter((sms) => sms.to === number).map((sms) => sms.text);
    const reminded = (number) => (sms) => sms.to === number && sms.text.includes("husk timen");
    const [confirmation] = (await gateway.waitFor((sms) => sms.to === KARI && sms.text.includes("du har fått time til vaksine"))).map((sms) => sms.text);
    const [noraConfirmation] = (await gateway.waitFor((sms) => sms.to === NORA && sms.text.includes("du har fått time til vaksine"))).map((sms) => sms.text);

    // A minute past 48 hours before Kari's time: her first reminder, naming the time and the
    // place. Nora's moment is an hour later.
    clock.set(new Date(start - 48 * HOUR + MINUTE));
    const [first] = await gateway.waitFor(reminded(KARI));
    const [year, month, day] = dateIn(kari.label).split("-");
    const when = `${day}.${month}.${year}, kl. ${kari.label.match(/kl\. (\d\d:\d\d)/)[1]}`;
    assert.match(first.text, /^Kari, husk timen til vaksine hos Helsenorge testlegekontor /);
    assert.ok(first.text.includes(when), `${first.text} names ${when}`);
    assert.ok(first.text.includes(`${kari.place}.`), `${first.text} names ${kari.place}`);
    await everyNoticeSent();
    assert.deepEqual(to(KARI), [confirmation, first.text]);
    assert.deepEqual(to(NORA), [noraConfirmation], "Nora's 48 hours have not come");

    // A minute past 2 hours before: Kari's second, the same words; and Nora's first.
    clock.set(new Date(start - 2 * HOUR + MINUTE));
    const [, second] = await gateway.waitFor(reminded(KARI), 2);
    assert.equal(second.text, first.text);
    const [noraFirst] = await gateway.waitFor(reminded(NORA));
    await everyNoticeSent();
    assert.deepEqual(to(KARI), [confirmation, first.text, first.text]);
    assert.deepEqual(to(NORA), [noraConfirmation, noraFirst.text]);

    // A quarter of an hour before: Kari has had both, and the round that sends Nora's two
    // hours' reminder, due now, would have written a third of Kari's with it.
    clock.set(new Date(start - 15 * MINUTE));
    await gateway.waitFor(reminded(NORA), 2);
    await everyNoticeSent();
    assert.deepEqual(to(KARI), [confirmation, first.text, first.text], "no third reminder");
    assert.deepEqual(to(NORA), [noraConfirmation, noraFirst.text, noraFirst.text]);
  });
});

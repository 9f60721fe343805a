// «Timebøker»: staff set a timebook's reminders and its confirmation after booking, by the
// labels they see, and a mistyped reminder is shown again with a message and changes nothing.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import * as harness from "./harness.mjs";
import { axeViolations, clickAndSee, launch, screenshot, startTimebok } from "./harness.mjs";

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

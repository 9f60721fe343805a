// «Be om time» (timeønske) in headless Chromium: the demo's Vaksine timebook takes requests as
// well as slot picking. Kari asks for a time from «Velg time» by its link, with what it is
// about and the days that suit; the office finds the request under «Timeønsker», picks a
// free slot of the timebook and gives her the appointment; she is told by SMS and sees it in
// «Timeavtaler». Every new page passes axe and fits at 320 px.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { axeViolations, chooseService, clickAndSee, launch, logIn, screenshot, staffPage, startSmsGateway, startTimebok } from "./harness.mjs";

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

/** axe at 320 px, where the page must also not scroll sideways. */
async function clean(page, name) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 800 });
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `${name}: ${violations.join("\n")}`);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 320, `${name} is ${wide} px wide at 320 px`);
  await page.setViewportSize(size);
}

const REASON = "Influensavaksine, gjerne tidlig";

describe("«Be om time»", () => {
  test("Kari asks for a time, the office gives her one, and she sees it in «Timeavtaler»", async () => {
    const kari = await (await browser.newContext()).newPage();
    await logIn(kari, server.base, "Kari Nordmann");
    await chooseService(kari, "Vaksine");
    await clickAndSee(kari.getByRole("link", { name: "Be om en time i stedet" }), kari.getByRole("heading", { level: 1, name: "Be om time" }));
    await clean(kari, "the request form");
    await screenshot(kari, "request-form");

    // Sent empty, the form says what is missing and keeps the days ticked.
    await clickAndSee(kari.getByRole("button", { name: "Send", exact: true }), kari.getByText("Du må skrive hva timen gjelder").first());
    await clean(kari, "the refused request form");
    assert.ok(await kari.getByLabel("Mandag", { exact: true }).isChecked());

    await kari.getByLabel("Hva gjelder det?").fill(REASON);
    await kari.getByLabel("Lørdag", { exact: true }).setChecked(false);
    await kari.getByLabel("Søndag", { exact: true }).setChecked(false);
    await clickAndSee(kari.getByRole("button", { name: "Send", exact: true }), kari.getByRole("heading", { level: 1, name: "Timeønsket er sendt" }));
    assert.ok(await kari.getByText("Venter på svar fra legekontoret.").isVisible());
    await clean(kari, "the receipt");
    await screenshot(kari, "request-receipt");

    // The office: «Timeønsker» in the navigation, the request, a free slot of Vaksine.
    const staff = await staffPage(browser, server.base);
    await clickAndSee(staff.getByRole("link", { name: "Timeønsker" }), staff.getByRole("heading", { level: 1, name: "Timeønsker" }));
    await clean(staff, "the office's requests");
    await screenshot(staff, "staff-requests");
    await clickAndSee(staff.getByRole("link", { name: `Åpne: Kari Nordmann, ${REASON}` }), staff.getByRole("heading", { level: 1, name: "Timeønske" }));
    const slot = staff.getByRole("radio").first();
    await slot.waitFor();
    await clean(staff, "the request's page");
    await screenshot(staff, "staff-request");
    const label = await staff.locator(`label[for="${await slot.getAttribute("id")}"]`).innerText();
    const start = label.match(/\d{2}:\d{2}/)[0];
    await slot.check();
    await clickAndSee(staff.getByRole("button", { name: "Gi time" }), staff.getByText("Timen er bestilt, og pasienten får beskjed."));
    assert.ok(await staff.getByText("Ingen timeønsker venter på svar.").isVisible());

    // The booking core's own notice tells her.
    const [sms] = await gateway.waitFor((message) => message.to === "+4791234567" && /du har fått time til/.test(message.text));
    assert.ok(sms.text.includes(start), sms.text);
    assert.ok(!sms.text.includes(REASON), "no notice carries the reason");

    // «Timeavtaler»: the appointment, and the request answered with it.
    await clickAndSee(kari.getByRole("link", { name: "Til timeavtalene" }), kari.getByRole("heading", { level: 1, name: "Timeavtaler" }));
    const upcoming = kari.locator(".appointment", { hasText: REASON, has: kari.locator(".when") });
    assert.equal(await upcoming.count(), 1);
    assert.match(await upcoming.innerText(), new RegExp(start));
    const answered = kari.locator(".appointment", { hasText: "Legekontoret har gitt deg en time" });
    assert.equal(await answered.count(), 1);
    await clean(kari, "«Timeavtaler» with the request");
    await screenshot(kari, "request-answered");
  });
});

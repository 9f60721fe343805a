// «Velg time» by keyboard: «Gå til ledige timer» reaches the first free slot within 15 Tab
// presses from the top of the page, and choosing a day goes on to its times.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { chooseService, launch, logIn, navigatingTo, startTimebok } from "./harness.mjs";

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

/** What has the keyboard's focus: its text, or its class for a slot's button. */
const focused = (page) =>
  page.evaluate(() => {
    const element = document.activeElement;
    return { text: element?.textContent?.trim() ?? "", slot: element?.closest(".slots") !== null && element?.tagName === "BUTTON", id: element?.id ?? "" };
  });

describe("«Velg time» by keyboard", () => {
  test("the first free slot is at most 15 Tab presses from the top, through «Gå til ledige timer»", async () => {
    const page = await (await browser.newContext()).newPage();
    await logIn(page, server.base, "Kari Nordmann");
    await chooseService(page, "Vaksine");
    await page.goto(page.url());
    let tabs = 0;
    for (; tabs < 40; ) {
      await page.keyboard.press("Tab");
      tabs += 1;
      const now = await focused(page);
      if (now.text === "Gå til ledige timer") {
        await page.keyboard.press("Enter");
        await page.waitForFunction(() => location.hash === "#free-heading");
      }
      if (now.slot) break;
    }
    assert.equal((await focused(page)).slot, true, "a slot has the focus");
    assert.ok(tabs <= 15, `${tabs} Tab presses`);
  });

  test("choosing a day by keyboard goes on to that day's times", async () => {
    const page = await (await browser.newContext()).newPage();
    await logIn(page, server.base, "Kari Nordmann");
    await chooseService(page, "Vaksine");
    const day = page.locator("a.day.free").nth(1);
    await day.focus();
    await navigatingTo(page, () => page.keyboard.press("Enter"), page.locator("#free-heading"));
    await page.keyboard.press("Tab");
    assert.equal((await focused(page)).slot, true, "one Tab from the chosen day reaches its first time");
  });
});

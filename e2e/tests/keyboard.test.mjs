// «Velg time» by keyboard: «Gå til ledige timer» reaches the first free slot within 15 Tab
// presses from the top of the page, and choosing a day goes on to its times. With JavaScript
// the month is a WAI-ARIA date grid: one Tab stop, the arrow keys move between days; without
// it, plain links.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { axeViolations, chooseService, clickAndSee, launch, logIn, navigatingTo, startTimebok } from "./harness.mjs";

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

  test("with JavaScript the month is one Tab stop, the arrow keys move between days and Enter shows a day's times", async () => {
    const page = await (await browser.newContext()).newPage();
    await logIn(page, server.base, "Kari Nordmann");
    await chooseService(page, "Vaksine");
    // The next month: its first free day is near its start, with more free days after it.
    await clickAndSee(page.getByRole("link", { name: "Neste måned" }), page.getByRole("heading", { level: 1, name: "Velg time" }));
    const grid = page.getByRole("grid", { name: await page.locator("#month-label").innerText() });
    await grid.waitFor();
    assert.ok(await page.getByText("Med piltastene flytter du mellom dagene").isVisible(), "the keys are explained");
    assert.deepEqual(await grid.locator("[tabindex='0']").evaluateAll((all) => all.map((e) => e.getAttribute("aria-current"))), ["true"], "one Tab stop: the chosen day");
    const inGrid = () => page.evaluate(() => document.activeElement.closest("table[role=grid]") !== null);
    const dayNumber = () => page.evaluate(() => Number(document.activeElement.closest("td").textContent.match(/\d+/)[0]));

    await page.getByRole("link", { name: "Neste måned" }).focus();
    await page.keyboard.press("Tab");
    assert.ok(await inGrid(), "one Tab from «>» enters the month");
    const first = await dayNumber();
    await page.keyboard.press("Tab");
    assert.ok(!(await inGrid()), "and the next Tab leaves it");
    await page.keyboard.press("Shift+Tab");
    assert.equal(await dayNumber(), first, "back on the same day");

    await page.keyboard.press("ArrowRight");
    assert.ok(await inGrid());
    assert.equal(await dayNumber(), first + 1, "ArrowRight moves to the next day");
    await page.keyboard.press("ArrowLeft");
    assert.equal(await dayNumber(), first);
    await page.keyboard.press("ArrowDown");
    assert.equal(await dayNumber(), first + 7, "ArrowDown moves a week");
    await page.keyboard.press("ArrowUp");
    assert.equal(await dayNumber(), first);

    // On to the next day with free times, then Enter.
    for (let i = 0; i < 31; i += 1) {
      await page.keyboard.press("ArrowRight");
      if (await page.evaluate(() => document.activeElement.matches("a.day.free"))) break;
    }
    const chosen = await page.evaluate(() => new URL(document.activeElement.href).searchParams.get("dag"));
    assert.ok(chosen && Number(chosen.slice(8)) > first, `a later free day: ${chosen}`);
    await navigatingTo(page, () => page.keyboard.press("Enter"), page.locator("#free-heading"));
    await page.waitForFunction(() => document.activeElement?.id === "free-heading");
    assert.equal(new URL(page.url()).searchParams.get("dag"), chosen);
    assert.match(await page.locator("#free-heading").innerText(), new RegExp(`^Ledige timer ${Number(chosen.slice(8))}\\.`));
    const violations = await axeViolations(page);
    assert.deepEqual(violations, [], violations.join("\n"));
  });

  test("without JavaScript the month is plain links, each its own Tab stop", async () => {
    const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
    await logIn(page, server.base, "Kari Nordmann");
    await chooseService(page, "Vaksine");
    assert.equal(await page.getByRole("grid").count(), 0);
    assert.equal(await page.getByRole("table").count(), 1);
    const links = page.locator("table a.day.free");
    assert.ok((await links.count()) > 0);
    assert.deepEqual([...new Set(await links.evaluateAll((all) => all.map((a) => a.getAttribute("tabindex"))))], [null]);
    assert.ok(!(await page.getByText("Med piltastene flytter du mellom dagene").isVisible()));
  });
});

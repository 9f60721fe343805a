// The patient's pages on a 360 × 800 phone: the header stays under 15 % of the screen's height
// in every language, «Velg time»'s month navigation keeps its buttons on one line, and nothing
// of it gives up WCAG (24 px targets, reflow at 320 px, axe-clean).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { axeViolations, chooseService, clickAndSee, launch, logIn, startTimebok } from "./harness.mjs";

const PHONE = { width: 360, height: 800 };
/** 15 % of the phone's 800 px. */
const MOST_HEADER = 120;

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

/** The header's height and every link and button in it too small to hit, on the page shown. */
async function header(page) {
  return page.evaluate(() => {
    const top = document.querySelector("header.top");
    const small = [...top.querySelectorAll("a, button")]
      .filter((e) => e.offsetParent !== null)
      .map((e) => [e.textContent.trim(), e.getBoundingClientRect()])
      .filter(([, r]) => r.width < 24 || r.height < 24)
      .map(([text, r]) => `${text} ${Math.round(r.width)}×${Math.round(r.height)}`);
    return { height: top.getBoundingClientRect().height, small };
  });
}

/** Whether the page needs sideways scrolling at its current width. */
async function scrollsSideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth);
}

/** The vertical centres of the month navigation's links and its month, top to bottom. */
async function monthNavLines(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll(".month-nav a, .month-nav #month-label")].map((e) => {
      const r = e.getBoundingClientRect();
      return { text: e.textContent.trim(), top: r.top, bottom: r.bottom };
    }),
  );
}

describe("on a 360 px phone", () => {
  test("the header is under 15 % of the screen and «Velg time»'s month fits one line, in nb, nn and en", async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await logIn(page, server.base, "Kari Nordmann");
    await chooseService(page, "Vaksine");
    const url = new URL(page.url());
    const choose = url.pathname + url.search;
    const pages = ["/timeavtaler", choose, "/meldinger", "/varslinger"];
    for (const lang of ["nb", "nn", "en"]) {
      for (const path of pages) {
        const where = `${lang} ${path}`;
        await page.goto(`${server.base}/sprak/${lang}?tilbake=${encodeURIComponent(path)}`);
        await page.waitForLoadState("load");
        assert.equal(await page.locator("html").getAttribute("lang"), lang, where);
        const { height, small } = await header(page);
        assert.ok(height < MOST_HEADER, `${where}: the header is ${height} px high`);
        assert.deepEqual(small, [], `${where}: targets under 24 px`);
        assert.equal(await scrollsSideways(page), false, `${where} scrolls sideways at 360 px`);
        if (path === choose) {
          const parts = await monthNavLines(page);
          assert.ok(parts.length >= 3, `${where}: ${JSON.stringify(parts)}`);
          // Every part overlaps every other vertically: one line, «>» not alone below.
          for (const a of parts) {
            for (const b of parts) {
              assert.ok(a.top < b.bottom && b.top < a.bottom, `${where}: «${a.text}» and «${b.text}» on separate lines`);
            }
          }
        }
        assert.deepEqual(await axeViolations(page), [], where);
      }
    }
    // Reflow: at 320 px the same pages need no sideways scrolling either.
    await page.setViewportSize({ width: 320, height: 800 });
    for (const path of pages) {
      await page.goto(`${server.base}${path}`);
      await page.waitForLoadState("load");
      assert.equal(await scrollsSideways(page), false, `${path} scrolls sideways at 320 px`);
    }
    await context.close();
  });

  test("the header's links keep a visible focus and lead where they say", async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await logIn(page, server.base, "Kari Nordmann");
    await page.getByRole("link", { name: "Meldinger" }).focus();
    await page.keyboard.press("Shift+Tab");
    await page.keyboard.press("Tab");
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), "Meldinger");
    assert.notEqual(outline, "none");
    await clickAndSee(page.getByRole("link", { name: "English" }), page.getByRole("heading", { level: 1, name: "Appointments" }));
    assert.ok((await header(page)).height < MOST_HEADER);
    await context.close();
  });
});

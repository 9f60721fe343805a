// The Content-Security-Policy in a real browser: an injected inline script does not run, and
// the browser reports the violation. Timebok's own scripts keep working under the policy.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { launch, logIn, startTimebok } from "./harness.mjs";

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

describe("content security policy", () => {
  test("an inline script is blocked and reported; the page's own script still runs", async () => {
    const page = await (await browser.newContext()).newPage();
    await logIn(page, server.base, "Kari Nordmann");
    await page.goto(`${server.base}/meldinger/ny`);
    const outcome = await page.evaluate(
      () =>
        new Promise((resolve) => {
          document.addEventListener("securitypolicyviolation", (event) =>
            resolve({ ran: window.injected === true, directive: event.effectiveDirective }),
          );
          const script = document.createElement("script");
          script.textContent = "window.injected = true;";
          document.body.append(script);
          setTimeout(() => resolve({ ran: window.injected === true, directive: null }), 2000);
        }),
    );
    assert.deepEqual(outcome, { ran: false, directive: "script-src-elem" });

    // counter.js, from 'self', runs: the counter follows the typing.
    await page.getByLabel("Emne").fill("Hei");
    assert.equal(await page.locator("#emne-counter").textContent(), "3/60 tegn");
  });
});

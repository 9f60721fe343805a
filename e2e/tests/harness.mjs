// Starts `timebok demo` on a fresh SQLite database and headless Chromium from Debian's package.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const screenshots = join(root, "e2e", "screenshots");

/**
 * Starts `timebok demo`. `listen` fixes the address (default: a port the system picks);
 * `env` adds settings, such as the [oidc] section through TIMEBOK_OIDC_…; `config` is the text
 * of a configuration file, for the sections only a file sets (such as [notify]).
 */
export async function startTimebok({ listen = "127.0.0.1:0", env: extra = {}, config } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "timebok-e2e-"));
  const bin = process.env.TIMEBOK_BIN || join(root, "target", "debug", "timebok");
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("TIMEBOK_")));
  const args = ["demo"];
  if (config !== undefined) {
    const file = join(dir, "timebok.toml");
    writeFileSync(file, config);
    args.unshift("--config", file);
  }
  const child = spawn(bin, args, {
    env: {
      ...env,
      TIMEBOK_DATABASE_URL: `sqlite://${join(dir, "timebok.db")}`,
      TIMEBOK_LISTEN: listen,
      TIMEBOK_LOG: "warn",
      ...extra,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let seen = "";
  const base = await new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      const found = seen.match(/listening on (http:\/\/\S+)/);
      if (found) resolve(found[1]);
    });
    child.on("exit", (code) => reject(new Error(`timebok demo exited with ${code}`)));
  });
  // The FHIR API's token the demo made for this run.
  const fhirToken = seen.match(/FHIR API token \([^)]*\): (\S+)/)?.[1];
  // The journal system's token: bound to the demo clinic, with every scope.
  const journalToken = seen.match(/journal system token[^(]*\([^)]*\): (\S+)/)?.[1];
  // The SQLite file, for a test that computes what a page should show from the data itself.
  const database = join(dir, "timebok.db");
  return { base, fhirToken, journalToken, database, stop: () => child.kill("SIGTERM") };
}

/**
 * A clock for `timebok demo` that the test moves: the file `demo_clock` names, which the
 * demo's store, worker and pages read "now" from. It starts at `start` and stands there until
 * `set(date)` moves it; `now()` answers where it stands. `env` is the setting, for
 * `startTimebok`.
 */
export function demoClock(start = new Date()) {
  const file = join(mkdtempSync(join(tmpdir(), "timebok-clock-")), "now");
  let now = start;
  const set = (at) => {
    // Written beside and renamed over it, so that the demo never reads half a time.
    writeFileSync(`${file}.new`, at.toISOString());
    renameSync(`${file}.new`, file);
    now = at;
  };
  set(start);
  return { env: { TIMEBOK_DEMO_CLOCK: file }, set, now: () => now };
}

/**
 * An SMS gateway on this machine: it keeps every message it is given (`texts`, each
 * `{ to, text }`). `config` is the configuration that has Timebok send its SMS there, with the
 * worker looking for jobs every second.
 */
export async function startSmsGateway() {
  const texts = [];
  const http = createHttpServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      texts.push(JSON.parse(body));
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end("{}");
    });
  });
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  const config = [
    "[notify]",
    "poll_seconds = 1",
    "[notify.sms]",
    `url = "http://127.0.0.1:${http.address().port}/sms"`,
    `body_template = '{"to": "{{to}}", "text": "{{text}}"}'`,
    "",
  ].join("\n");
  /** Waits (up to 20 s) until `count` texts match `matches`, and answers them. */
  const waitFor = async (matches, count = 1) => {
    for (let i = 0; i < 100; i += 1) {
      const found = texts.filter(matches);
      if (found.length >= count) return found;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${count} texts as asked for; the gateway has ${JSON.stringify(texts)}`);
  };
  return { texts, config, waitFor, close: () => http.close() };
}

export function launch() {
  return chromium.launch({
    executablePath: process.env.TIMEBOK_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    // Without these, Chromium tries to reach Google's servers, which a closed network refuses.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/**
 * The WCAG 2.1 A and AA violations axe-core finds on the page. The page must be the one meant:
 * after a click that leads to a new page, wait for that page (see `clickAndSee`) first. Waiting
 * here for its `load` keeps axe from running on a document whose styles are still coming.
 */
export async function axeViolations(page) {
  await page.waitForLoadState("load");
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

/** HTML, CSS and JS of the page, uncompressed, in bytes. */
export async function pageWeight(page) {
  return page.evaluate(() => {
    const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
    return entries.reduce((sum, e) => sum + (e.decodedBodySize || 0), 0);
  });
}

export async function screenshot(page, name) {
  mkdirSync(screenshots, { recursive: true });
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(screenshots, `${name}-${width}.png`), fullPage: true });
  }
}

/**
 * Clicks `target`, which leads to a new page (a link, or a form's button), and waits until the
 * browser has gone to that page, has loaded it, and `expected` shows on it. `click()` does not
 * wait for the page it leads to: right after it, the old page may still be there (a form's
 * submission starts a moment after the click), or the new one only half read, and an inspection,
 * or axe, may see the old page or lose its document halfway. Waiting for the navigation as well
 * as for `expected` holds also when the new page looks like the old one, as a form shown again
 * with its errors does. Returns `expected`.
 */
export async function clickAndSee(target, expected) {
  await navigatingTo(target.page(), () => target.click(), expected);
  return expected;
}

/**
 * Runs `action` (a click, a key press), which makes `page` go to a new page, and waits until it
 * has, the page has loaded, and `expected` shows on it.
 */
export async function navigatingTo(page, action, expected) {
  const navigated = page.waitForEvent("framenavigated", { predicate: (frame) => frame === page.mainFrame() });
  await action();
  await navigated;
  // The load state is the new document's from here: Playwright clears the old one's first.
  await page.waitForLoadState("load");
  await expected.waitFor();
}

export async function logIn(page, base, name) {
  await page.goto(`${base}/logg-inn`);
  await page.getByLabel(name, { exact: true }).check();
  await clickAndSee(page.getByRole("button", { name: "Logg inn" }), page.getByRole("heading", { level: 1, name: "Timeavtaler" }));
}

/** Logs in as the clinic's «Resepsjonen» in a new context; answers the page at «Oversikt». */
export async function staffPage(browser, base, clinic = "Helsenorge testlegekontor") {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${base}/personale/logg-inn`);
  await page.getByLabel(`Resepsjonen, ${clinic}`).check();
  await clickAndSee(page.getByRole("button", { name: "Logg inn" }), page.getByRole("heading", { level: 1, name: "Oversikt" }));
  return page;
}

/** A demo patient's fødselsnummer, as the test login offers it. */
export async function nationalIdOf(browser, base, name) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${base}/logg-inn`);
  const id = await page.getByLabel(name, { exact: true }).getAttribute("value");
  await page.context().close();
  return id;
}

/** Chooses a service in «Hva trenger du?» and goes on to «Velg time». */
export async function chooseService(page, label) {
  await clickAndSee(page.getByRole("link", { name: "Bestill ny time" }), page.getByRole("heading", { level: 1, name: "Hva trenger du?" }));
  await page.getByLabel(label, { exact: true }).check();
  await clickAndSee(page.getByRole("button", { name: "Neste" }), page.getByRole("heading", { level: 1, name: "Velg time" }));
}

/** A port nothing listens on right now, for a server whose address must be known in advance. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts the test OpenID provider (e2e/oidc/provider.mjs) for a Timebok at `base`, with
 * `people` as the accounts it knows.
 */
export async function startProvider(base, people, options = {}) {
  const child = spawn(process.execPath, [join(root, "e2e", "oidc", "provider.mjs"), base, JSON.stringify(people), JSON.stringify(options)], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const issuer = await new Promise((resolve, reject) => {
    let seen = "";
    child.stdout.on("data", (chunk) => {
      seen += chunk;
      const found = seen.match(/issuer: (http:\/\/\S+)/);
      if (found) resolve(found[1]);
    });
    child.on("exit", (code) => reject(new Error(`the OpenID provider exited with ${code}`)));
  });
  return { issuer, stop: () => child.kill("SIGTERM") };
}

/** Fails with every axe violation on the page, named. */
export async function noViolations(page, name) {
  const violations = await axeViolations(page);
  assert.deepEqual(violations, [], `${name}: ${violations.join("\n")}`);
}

/** The free days «Velg time» links to, this month and the next, as `YYYY-MM-DD`. */
export async function freeDays(page) {
  const days = async () =>
    (await page.locator("a.day.free").evaluateAll((links) => links.map((a) => a.href))).map((href) => new URL(href).searchParams.get("dag"));
  const found = await days();
  await clickAndSee(page.getByRole("link", { name: /neste måned/i }), page.getByRole("heading", { level: 1, name: "Velg time" }));
  found.push(...(await days()));
  return found;
}

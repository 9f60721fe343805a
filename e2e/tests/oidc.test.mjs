// Login through a real OpenID provider (oidc-provider on loopback) in headless Chromium: a
// patient through "ID-porten", staff through "HelseID", and the refusal pages, each checked
// with axe-core. Timebok reads its [oidc] settings from the environment here. Staff log in as
// HelseID's clients do: with no secret, but a client assertion signed with Timebok's RSA key
// (private_key_jwt), which the provider checks against Timebok's published JWKS.

import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { axeViolations, clickAndSee, freePort, launch, startProvider, startTimebok } from "./harness.mjs";

// Kari Nordmann of the demo, and the demo clinic's HER-id.
const KARI = "08838200096";
const DEMO_HER_ID = "999001";

const people = {
  kari: { acr: "idporten-loa-high", claims: { pid: KARI, name: "Kari Nordmann" } },
  lav: { acr: "idporten-loa-substantial", claims: { pid: KARI } },
  ole: { acr: "idporten-loa-high", claims: { name: "Ole Lege", clinic: DEMO_HER_ID, roles: ["timebok"] } },
  ukjent: { acr: "idporten-loa-high", claims: { name: "Ukjent" } },
};

let provider;
let server;
let browser;

function client(flow) {
  return {
    [`TIMEBOK_OIDC_${flow}__CLIENT_ID`]: `timebok-${flow.toLowerCase()}`,
    [`TIMEBOK_OIDC_${flow}__CLIENT_SECRET`]: `secret-${flow.toLowerCase()}`,
    [`TIMEBOK_OIDC_${flow}__DISCOVERY_URL`]: `${provider.issuer}/.well-known/openid-configuration`,
    [`TIMEBOK_OIDC_${flow}__SCOPES`]: '["openid", "profile"]',
  };
}

/** The staff client's private key, a PEM file as an operator would configure it. */
function staffKeyFile() {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const file = join(mkdtempSync(join(tmpdir(), "timebok-key-")), "helseid.pem");
  writeFileSync(file, privateKey, { mode: 0o600 });
  return file;
}

before(async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  provider = await startProvider(base, people);
  server = await startTimebok({
    listen: `127.0.0.1:${port}`,
    env: {
      TIMEBOK_PUBLIC_URL: base,
      ...client("PATIENT"),
      TIMEBOK_OIDC_STAFF__CLIENT_ID: "timebok-staff-jwt",
      TIMEBOK_OIDC_STAFF__PRIVATE_KEY_FILE: staffKeyFile(),
      TIMEBOK_OIDC_STAFF__DISCOVERY_URL: `${provider.issuer}/.well-known/openid-configuration`,
      TIMEBOK_OIDC_STAFF__SCOPES: '["openid", "profile"]',
      TIMEBOK_OIDC_STAFF__CLINIC_CLAIM: "clinic",
      TIMEBOK_OIDC_STAFF__ROLE_CLAIM: "roles",
      TIMEBOK_OIDC_STAFF__ROLE_VALUE: "timebok",
    },
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
  provider?.stop();
});

/** Signs in at the test provider's form. */
async function atProvider(page, login) {
  await page.waitForURL((url) => url.href.startsWith(provider.issuer));
  await page.getByLabel("Login").fill(login);
  await page.getByRole("button", { name: "Sign in" }).click();
}

describe("login through an OpenID provider", () => {
  test("a patient logs in with ID-porten and out again, at the provider too", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.base}/logg-inn`);
    assert.deepEqual(await axeViolations(page), []);
    await page.getByRole("link", { name: "Logg inn med ID-porten" }).click();
    await atProvider(page, "kari");
    await page.getByRole("heading", { level: 1, name: "Timeavtaler" }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/timeavtaler");

    await page.getByRole("button", { name: "Logg ut" }).click();
    await page.waitForURL((url) => url.href.startsWith(`${provider.issuer}/session/end`));
    await page.goto(`${server.base}/timeavtaler`);
    assert.equal(new URL(page.url()).pathname, "/logg-inn", "the session has ended");
  });

  test("staff log in with HelseID by a client assertion, their clinic from the claims", async () => {
    const jwks = await (await fetch(`${server.base}/.well-known/jwks.json`)).json();
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0].kty, "RSA");
    assert.equal(jwks.keys[0].alg, "RS256");
    assert.equal(jwks.keys[0].d, undefined, "no private part is published");
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.base}/personale/logg-inn`);
    assert.deepEqual(await axeViolations(page), []);
    await page.getByRole("link", { name: "Logg inn med HelseID" }).click();
    await atProvider(page, "ole");
    await page.getByRole("heading", { level: 1, name: "Oversikt" }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/klinikk");
  });

  test("a login below the required level gets a clear page", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.base}/logg-inn`);
    await page.getByRole("link", { name: "Logg inn med ID-porten" }).click();
    await atProvider(page, "lav");
    await page.getByRole("heading", { level: 1, name: "Du ble ikke logget inn" }).waitFor();
    assert.match(await page.locator("main").textContent(), /lavere sikkerhetsnivå enn Timebok krever/);
    assert.deepEqual(await axeViolations(page), []);
    await clickAndSee(page.getByRole("link", { name: "Logg inn på nytt" }), page.getByRole("heading", { level: 1, name: "Logg inn" }));
    assert.equal(new URL(page.url()).pathname, "/logg-inn");
  });

  test("staff without access get a clear page and no session", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.base}/personale/logg-inn`);
    await page.getByRole("link", { name: "Logg inn med HelseID" }).click();
    await atProvider(page, "ukjent");
    await page.getByRole("heading", { level: 1, name: "Du ble ikke logget inn" }).waitFor();
    assert.match(await page.locator("main").textContent(), /Du har ikke tilgang til Timebok/);
    assert.deepEqual(await axeViolations(page), []);
    await page.goto(`${server.base}/klinikk`);
    assert.equal(new URL(page.url()).pathname, "/personale/logg-inn");
  });

  test("a tampered state is refused in the browser", async () => {
    const page = await (await browser.newContext()).newPage();
    // The state on its way to the provider is changed; the provider sends the changed one back.
    await page.route(`${server.base}/innlogging/pasient`, async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      const to = new URL(response.headers().location);
      to.searchParams.set("state", `${to.searchParams.get("state")}x`);
      await route.fulfill({ response, headers: { ...response.headers(), location: to.href } });
    });
    await page.goto(`${server.base}/logg-inn`);
    await page.getByRole("link", { name: "Logg inn med ID-porten" }).click();
    await atProvider(page, "kari");
    await page.getByRole("heading", { level: 1, name: "Du ble ikke logget inn" }).waitFor();
    assert.match(await page.locator("main").textContent(), /hørte ikke til denne nettleseren/);
    assert.deepEqual(await axeViolations(page), []);
    await page.goto(`${server.base}/timeavtaler`);
    assert.equal(new URL(page.url()).pathname, "/logg-inn");
  });
});

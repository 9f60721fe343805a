#!/usr/bin/env node
// A small reference journal system (EPJ) for Timebok's FHIR API: it shows the whole loop a real
// journal system runs, with nothing but Node.js.
//
//   1. reads its clinic's Schedules and publishes a week of afternoon slots in one transaction
//      Bundle (a retry publishes nothing twice);
//   2. keeps the patient list: puts the patients given with --patient on it, then reads it;
//   3. subscribes to every booking, move and cancellation (FHIR Subscriptions, R4 backport,
//      rest-hook with full-resource payloads) and listens for the notifications;
//   4. prints each appointment it receives, one JSON line each, until stopped.
//
//   node e2e/journal/reference-journal.mjs --base http://127.0.0.1:8080 --token <journal token> \
//     [--listen 127.0.0.1:0] [--days 5] [--from 1] [--patient 13116900216:Kari:Nordmann ...]
//
// The token is a client bound to one clinic with the scopes system/Slot.rs, system/Slot.cud,
// system/Patient.cruds, system/Appointment.cruds and system/Subscription.cruds; `timebok demo`
// prints one. Lines it prints: `published {...}`, `list {...}` (the list's size before and
// after), `subscribed {...}`,
// `first-slot {...}` for each schedule, `ready`, then `received {...}` for each notification.

import { createServer } from "node:http";
import { randomBytes } from "node:crypto";

const TOPIC = "urn:timebok:fhir:SubscriptionTopic:appointment";
const PAYLOAD_CONTENT = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content";
const DEEP_LINK = "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link";
const FODSELSNUMMER = "urn:oid:2.16.578.1.12.4.1.4.1";
const D_NUMMER = "urn:oid:2.16.578.1.12.4.1.4.2";

function options(argv) {
  const found = { listen: "127.0.0.1:0", days: 5, from: 1, patients: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name === "--base") found.base = value.replace(/\/$/, "");
    else if (name === "--token") found.token = value;
    else if (name === "--listen") found.listen = value;
    else if (name === "--days") found.days = Number(value);
    else if (name === "--from") found.from = Number(value);
    else if (name === "--patient") found.patients.push(value);
    else throw new Error(`unknown option ${name}`);
  }
  if (!found.base || !found.token) throw new Error("--base and --token are required");
  return found;
}

function say(kind, detail) {
  console.log(detail === undefined ? kind : `${kind} ${JSON.stringify(detail)}`);
}

/** One FHIR request; throws with the OperationOutcome's text unless the status is expected. */
async function fhir(base, token, method, path, body, expected = [200, 201]) {
  // The empty path is the server's base, where transaction Bundles go.
  const response = await fetch(path ? `${base}/fhir/${path}` : `${base}/fhir`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: "application/fhir+json",
      ...(body ? { "Content-Type": "application/fhir+json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!expected.includes(response.status)) {
    const why = json?.issue?.map((i) => i.diagnostics || i.details?.text).join("; ") || text;
    throw new Error(`${method} /fhir/${path}: ${response.status} ${why}`);
  }
  return json;
}

/** `2026-12-03T13:00:00+01:00`: the local time in Oslo, with Oslo's offset on that day. */
function osloInstant(date, minutes) {
  const [hour, minute] = [Math.floor(minutes / 60), minutes % 60];
  const guess = new Date(Date.UTC(date.y, date.m - 1, date.d, hour, minute));
  const offsetName = new Intl.DateTimeFormat("en", { timeZone: "Europe/Oslo", timeZoneName: "longOffset" })
    .formatToParts(guess)
    .find((p) => p.type === "timeZoneName").value; // "GMT+01:00"
  const offset = offsetName === "GMT" ? "+00:00" : offsetName.slice(3);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.y}-${pad(date.m)}-${pad(date.d)}T${pad(hour)}:${pad(minute)}:00${offset}`;
}

/** `count` weekdays in Oslo, from the `from`th day after today (1: tomorrow) on. */
function weekdays(count, from) {
  const days = [];
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Oslo" }).format(new Date());
  let [y, m, d] = today.split("-").map(Number);
  for (let ahead = 1; days.length < count; ahead += 1) {
    const next = new Date(Date.UTC(y, m - 1, d + 1));
    [y, m, d] = [next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()];
    const weekday = next.getUTCDay();
    if (ahead >= from && weekday !== 0 && weekday !== 6) days.push({ y, m, d });
  }
  return days;
}

/** Afternoons, 13:00 to 16:00 in quarters: the demo's own slots are in the mornings. */
function week(schedules, days, from) {
  const entries = [];
  for (const schedule of schedules) {
    for (const day of weekdays(days, from)) {
      for (let minutes = 13 * 60; minutes < 16 * 60; minutes += 15) {
        entries.push({
          resource: {
            resourceType: "Slot",
            schedule: { reference: `Schedule/${schedule.id}` },
            status: "free",
            start: osloInstant(day, minutes),
            end: osloInstant(day, minutes + 15),
          },
          request: { method: "POST", url: "Slot" },
        });
      }
    }
  }
  return { resourceType: "Bundle", type: "transaction", entry: entries };
}

async function publish(base, token, days, from) {
  const schedules = (await fhir(base, token, "GET", "Schedule")).entry?.map((e) => e.resource) ?? [];
  if (schedules.length === 0) throw new Error("the client's clinic has no Schedule to publish in");
  const answer = await fhir(base, token, "POST", "", week(schedules, days, from));
  const created = answer.entry.filter((e) => e.response.status.startsWith("201")).length;
  say("published", { schedules: schedules.length, slots: answer.entry.length, created });
  // The answer's entries are in the Bundle's order: each schedule's slots together.
  const each = answer.entry.length / schedules.length;
  return schedules.map((schedule, i) => ({ schedule, first: answer.entry[i * each].response.location }));
}

/** Where a patient books the first slot published in a schedule: its deep link. */
async function firstSlot(base, token, { schedule, first }) {
  const slot = await fhir(base, token, "GET", first);
  const start = encodeURIComponent(slot.start);
  const search = await fhir(base, token, "GET", `Slot?schedule=Schedule/${schedule.id}&start=ge${start}&_count=1`);
  const link = search.entry?.[0]?.resource?.extension?.find((x) => x.url === DEEP_LINK)?.valueUrl;
  const kind = schedule.serviceType?.[0]?.coding?.[0]?.code;
  return { schedule: schedule.id, service: kind, slot: slot.id, start: slot.start, link };
}

async function keepList(base, token, patients) {
  const count = async () => (await fhir(base, token, "GET", "Patient?_count=1")).total;
  const before = await count();
  if (patients.length > 0) {
    const entry = patients.map((line) => {
      const [number, given, family] = line.split(":");
      const system = /^[4-7]/.test(number) ? D_NUMMER : FODSELSNUMMER;
      return {
        resource: {
          resourceType: "Patient",
          identifier: [{ system, value: number }],
          name: [{ family, given: [given] }],
        },
        request: { method: "PUT", url: `Patient?identifier=${encodeURIComponent(`${system}|${number}`)}` },
      };
    });
    await fhir(base, token, "POST", "", { resourceType: "Bundle", type: "transaction", entry });
  }
  say("list", { before, patients: await count() });
}

/** The notifications' receiver, and the secret each must carry. */
async function listen(address, onNotification) {
  const secret = randomBytes(24).toString("hex");
  const [host, port] = address.split(":");
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      if (request.headers.authorization !== `Bearer ${secret}`) {
        response.writeHead(401).end();
        return;
      }
      try {
        onNotification(JSON.parse(body));
        response.writeHead(200).end();
      } catch (error) {
        console.error(`a notification could not be read: ${error.message}`);
        response.writeHead(400).end();
      }
    });
  });
  await new Promise((resolve) => server.listen(Number(port), host, resolve));
  return { server, secret, endpoint: `http://${host}:${server.address().port}/notifications` };
}

/** What one notification says: each appointment in it, as the journal files it. */
function appointments(bundle) {
  return (bundle.entry ?? [])
    .filter((e) => e.resource?.resourceType === "Appointment")
    .map((e) => ({
      event: e.request?.method === "POST" ? "booked" : e.resource.status === "booked" ? "moved" : e.resource.status,
      appointment: e.resource.id,
      status: e.resource.status,
      start: e.resource.start,
      slot: e.resource.slot?.[0]?.reference,
      version: e.resource.meta?.versionId,
    }));
}

async function subscribe(base, token, endpoint, secret) {
  const subscription = await fhir(base, token, "POST", "Subscription", {
    resourceType: "Subscription",
    status: "requested",
    reason: "Timeavtaler til journalen",
    criteria: TOPIC,
    channel: {
      type: "rest-hook",
      endpoint,
      payload: "application/fhir+json",
      _payload: { extension: [{ url: PAYLOAD_CONTENT, valueCode: "full-resource" }] },
      header: [`Authorization: Bearer ${secret}`],
    },
  });
  say("subscribed", { subscription: subscription.id, endpoint });
  return subscription;
}

async function main() {
  const o = options(process.argv.slice(2));
  const published = await publish(o.base, o.token, o.days, o.from);
  await keepList(o.base, o.token, o.patients);
  const receiver = await listen(o.listen, (bundle) => {
    for (const appointment of appointments(bundle)) say("received", appointment);
  });
  const subscription = await subscribe(o.base, o.token, receiver.endpoint, receiver.secret);
  for (const schedule of published) say("first-slot", await firstSlot(o.base, o.token, schedule));
  say("ready");
  const stop = async () => {
    await fhir(o.base, o.token, "DELETE", `Subscription/${subscription.id}`, undefined, [204, 404]).catch(() => {});
    receiver.server.close();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});

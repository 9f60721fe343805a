// «Timeavtaler i kalenderen» in headless Chromium: a patient switches on her calendar link,
// books, and the calendar her calendar app subscribes to (fetched over HTTP without a cookie,
// as an app does, and read by Mozilla's ical.js) holds the appointment; she cancels, and the
// same event, by UID, is cancelled with a higher SEQUENCE. Switched off, the link is gone.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import ICAL from "ical.js";
import { axeViolations, chooseService, clickAndSee, launch, logIn, noViolations, screenshot, startTimebok } from "./harness.mjs";

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

/** Axe and reflow at 320 px: no sideways scrolling (WCAG 1.4.10), and still no violations. */
async function fitsAt320(page, name) {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 640 });
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= client, `${name} is ${scroll} px wide at ${client} px`);
  await noViolations(page, `${name} at 320 px`);
  await page.setViewportSize(size);
}

/**
 * The calendar at `url` as a calendar app reads it: fetched without the browser's cookies and
 * parsed by ical.js, which throws on anything that is not iCalendar. Answers the VCALENDAR, the
 * raw text, and its VTIMEZONEs registered so that event times are read in Europe/Oslo.
 */
async function subscribe(url) {
  const response = await fetch(url);
  assert.equal(response.status, 200, `${url}: ${response.status}`);
  assert.equal(response.headers.get("content-type"), "text/calendar; charset=utf-8");
  assert.equal(response.headers.get("cache-control"), "private, no-store");
  const text = await response.text();
  const calendar = new ICAL.Component(ICAL.parse(text));
  assert.equal(calendar.name, "vcalendar");
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(zone);
  }
  return { calendar, text };
}

/** The event with this UID, as ical.js reads it. */
function eventWithUid(calendar, uid) {
  const found = calendar.getAllSubcomponents("vevent").filter((v) => v.getFirstPropertyValue("uid") === uid);
  assert.equal(found.length, 1, `one event ${uid}`);
  return { event: new ICAL.Event(found[0]), status: found[0].getFirstPropertyValue("status") };
}

/** A free day of «Velg time» at least three days ahead, well before the cancellation deadline. */
async function laterFreeDay(page) {
  const soonest = new Date(Date.now() + 3 * 24 * 3600_000).toISOString().slice(0, 10);
  for (let month = 0; month < 3; month += 1) {
    const days = (await page.locator("a.day.free").evaluateAll((links) => links.map((a) => a.href))).map((href) => new URL(href).searchParams.get("dag"));
    const day = days.find((d) => d >= soonest);
    if (day) return day;
    await clickAndSee(page.getByRole("link", { name: /neste måned/i }), page.getByRole("heading", { level: 1, name: "Velg time" }));
  }
  throw new Error("no free day three days ahead");
}

describe("«Timeavtaler i kalenderen»", () => {
  test("a subscribed calendar shows a booking and then its cancellation", async () => {
    const page = await (await browser.newContext()).newPage();
    await logIn(page, server.base, "Kari Nordmann");
    await clickAndSee(page.getByRole("link", { name: "Timeavtaler i kalenderen" }), page.getByRole("heading", { level: 1, name: "Timeavtaler i kalenderen" }));
    assert.ok(await page.getByText("Kalenderlenken er slått av.").isVisible());
    await noViolations(page, "the calendar link, off");
    await fitsAt320(page, "the calendar link, off");

    await clickAndSee(page.getByRole("button", { name: "Slå på kalenderlenke" }), page.getByRole("heading", { level: 2, name: "Din nye kalenderlenke" }));
    const url = await page.getByLabel("Lenke til kalenderen").inputValue();
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/kalender\/[0-9a-f]{64}\.ics$/);
    const webcal = await page.getByRole("link", { name: "Abonner i kalenderen" }).getAttribute("href");
    assert.equal(webcal, url.replace(/^https?:/, "webcal:"));
    assert.ok(await page.getByRole("button", { name: "Lag ny lenke" }).isVisible());
    assert.ok(await page.getByRole("button", { name: "Slå av" }).isVisible());
    await noViolations(page, "the new calendar link");
    await fitsAt320(page, "the new calendar link");
    await screenshot(page, "calendar-link");

    const empty = await subscribe(url);
    assert.equal(empty.calendar.getFirstPropertyValue("x-wr-calname"), "Timeavtaler");
    assert.equal(empty.calendar.getFirstProperty("refresh-interval")?.getFirstValue()?.toString(), "PT1H");
    const before = empty.calendar.getAllSubcomponents("vevent").length;

    // Kari books a vaccine.
    await clickAndSee(page.getByRole("link", { name: "Timeavtaler" }).first(), page.getByRole("heading", { level: 1, name: "Timeavtaler" }));
    await chooseService(page, "Vaksine");
    const timebook = new URL(page.url()).pathname;
    const day = await laterFreeDay(page);
    await page.goto(`${server.base}${timebook}?dag=${day}&maned=${day.slice(0, 7)}`);
    const slot = page.locator(".slots button").first();
    const time = (await slot.getAttribute("aria-label")).match(/(\d\d):(\d\d)/);
    await clickAndSee(slot, page.getByRole("heading", { level: 1, name: "Se gjennom før du sender" }));
    await page.getByLabel("Hva gjelder det?").fill("Influensavaksine");
    await clickAndSee(page.getByRole("button", { name: "Send" }), page.getByRole("heading", { level: 1, name: "Timen er bestilt" }));
    await clickAndSee(page.getByRole("link", { name: "Timeavtaler" }).first(), page.getByRole("heading", { level: 1, name: "Timeavtaler" }));
    const item = page.locator(".appointment", { hasText: "Influensavaksine" });
    const file = await item.getByRole("link", { name: /^Legg til i kalender/ }).getAttribute("href");
    const id = file.match(/^\/timeavtaler\/(\d+)\/kalender\.ics$/)[1];
    const uid = `appointment-${id}@timebok`;

    const booked = await subscribe(url);
    assert.equal(booked.calendar.getAllSubcomponents("vevent").length, before + 1);
    const { event, status } = eventWithUid(booked.calendar, uid);
    assert.equal(status, "CONFIRMED");
    assert.equal(event.sequence, 0);
    assert.equal(event.summary, "Time til vaksine hos Helsenorge testlegekontor");
    assert.equal(event.startDate.zone?.tzid, "Europe/Oslo");
    assert.equal(event.startDate.toString().slice(0, 10), day);
    assert.deepEqual([event.startDate.hour, event.startDate.minute], [Number(time[1]), Number(time[2])]);
    assert.ok(!booked.text.includes("Influensavaksine"), "what the appointment is about stays out of the calendar");
    // The appointment's own file is the same event.
    const single = new ICAL.Component(ICAL.parse(await (await page.request.get(`${server.base}${file}`)).text()));
    assert.equal(single.getFirstSubcomponent("vevent").getFirstPropertyValue("uid"), uid);

    // She cancels, and the calendar's event is cancelled in place.
    await clickAndSee(item.getByRole("button", { name: /^Avbestill/ }), page.getByText("Timen er avbestilt."));
    const cancelled = await subscribe(url);
    assert.equal(cancelled.calendar.getAllSubcomponents("vevent").length, before + 1, "the same event, not another");
    const after = eventWithUid(cancelled.calendar, uid);
    assert.equal(after.status, "CANCELLED");
    assert.ok(after.event.sequence > event.sequence, `SEQUENCE ${after.event.sequence} after ${event.sequence}`);
    assert.equal(after.event.startDate.toString(), event.startDate.toString());

    // Switched off, the link answers nothing.
    await page.goto(`${server.base}/timeavtaler/kalender`);
    await clickAndSee(page.getByRole("button", { name: "Slå av" }), page.getByText("Kalenderlenken er slått av. Kalendere som brukte den"));
    await noViolations(page, "the calendar link, switched off");
    assert.equal((await fetch(url)).status, 404);
  });
});

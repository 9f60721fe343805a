//! Calendar files (RFC 5545) for appointments, with their times in Europe/Oslo so that a
//! calendar shows the clinic's wall-clock time wherever the phone happens to be.
//!
//! One writer makes every event: the file of one appointment and the feed a calendar
//! subscribes to hold the same VEVENT for the same appointment, with the same UID, so a
//! calendar that has both keeps one entry.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// One appointment as a calendar entry. Texts come already localised.
pub struct CalendarEvent<'a> {
    pub uid: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub summary: &'a str,
    pub location: &'a str,
    pub cancelled: bool,
    pub stamp: Timestamp,
    /// How many times the event has changed (moved, cancelled) since it was first sent: a
    /// calendar replaces its copy with one of a higher sequence instead of adding another.
    pub sequence: i64,
}

/// What a subscribed calendar is told about the feed itself.
pub struct CalendarFeed<'a> {
    /// The calendar's name in the reader's calendar app.
    pub name: &'a str,
    /// How often a calendar app should fetch the feed again.
    pub refresh: SignedDuration,
}

/// The rules of Europe/Oslo since 1996, which every calendar understands without a lookup.
const OSLO: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Oslo\r\n\
BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n\
DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n\
BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n\
DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n\
END:VTIMEZONE\r\n";

/// RFC 5545 3.1: a content line is at most 75 octets; longer ones continue on lines that
/// start with a space.
const LINE_OCTETS: usize = 75;

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace(['\r', '\n'], " ")
}

fn local(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned_datetime(zone.clone())
        .strftime("%Y%m%dT%H%M%S")
        .to_string()
}

/// Writes `name:value` as one content line, folded at 75 octets without splitting a
/// character (a long clinic name or address in UTF-8 would otherwise break strict readers).
fn line(out: &mut String, name: &str, value: &str) {
    let whole = format!("{name}:{value}");
    let mut room = LINE_OCTETS;
    let mut used = 0;
    for c in whole.chars() {
        if used + c.len_utf8() > room {
            out.push_str("\r\n ");
            // The leading space counts towards the continued line's octets.
            room = LINE_OCTETS - 1;
            used = 0;
        }
        out.push(c);
        used += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// The one VEVENT writer.
fn event(out: &mut String, event: &CalendarEvent<'_>, zone: &TimeZone) {
    let status = if event.cancelled {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    out.push_str("BEGIN:VEVENT\r\n");
    line(out, "UID", &escape(&event.uid));
    line(
        out,
        "DTSTAMP",
        &event.stamp.strftime("%Y%m%dT%H%M%SZ").to_string(),
    );
    line(out, "DTSTART;TZID=Europe/Oslo", &local(event.start, zone));
    line(out, "DTEND;TZID=Europe/Oslo", &local(event.end, zone));
    line(out, "SUMMARY", &escape(event.summary));
    line(out, "LOCATION", &escape(event.location));
    line(out, "STATUS", status);
    line(out, "SEQUENCE", &event.sequence.max(0).to_string());
    out.push_str("END:VEVENT\r\n");
}

/// A VCALENDAR of `events`, with `properties` (already written lines) after the usual ones.
fn calendar<'a>(
    properties: &str,
    events: impl IntoIterator<Item = &'a CalendarEvent<'a>>,
    zone: &TimeZone,
) -> String {
    let mut out = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Timebok//Timebok//NO\r\n\
         CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n",
    );
    out.push_str(properties);
    // Always there, so that a feed without appointments still holds the one component a
    // calendar object must have.
    out.push_str(OSLO);
    for e in events {
        event(&mut out, e, zone);
    }
    out.push_str("END:VCALENDAR\r\n");
    out
}

/// The file of one appointment, for «Legg til i kalender» and the booking e-mail.
pub fn calendar_file(event: &CalendarEvent<'_>, zone: &TimeZone) -> String {
    calendar("", [event], zone)
}

/// A calendar to subscribe to: the events with the feed's name and how often to fetch it
/// again (RFC 7986's `REFRESH-INTERVAL` and `NAME`, and the older `X-PUBLISHED-TTL` and
/// `X-WR-CALNAME` that Outlook and Apple's calendars read).
pub fn calendar_feed(
    feed: &CalendarFeed<'_>,
    events: &[CalendarEvent<'_>],
    zone: &TimeZone,
) -> String {
    let minutes = feed.refresh.as_mins().max(1);
    let refresh = if minutes % 60 == 0 {
        format!("PT{}H", minutes / 60)
    } else {
        format!("PT{minutes}M")
    };
    let name = escape(feed.name);
    let mut properties = String::new();
    line(&mut properties, "NAME", &name);
    line(&mut properties, "X-WR-CALNAME", &name);
    line(&mut properties, "REFRESH-INTERVAL;VALUE=DURATION", &refresh);
    line(&mut properties, "X-PUBLISHED-TTL", &refresh);
    line(&mut properties, "X-WR-TIMEZONE", "Europe/Oslo");
    calendar(&properties, events, zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vaccine(
        uid: &str,
        start: Timestamp,
        cancelled: bool,
        sequence: i64,
    ) -> CalendarEvent<'static> {
        CalendarEvent {
            uid: uid.into(),
            start,
            end: start + SignedDuration::from_mins(15),
            summary: "Time til vaksine hos Helsenorge testlegekontor",
            location: "Influensaveien 3a, 1325 Lysaker",
            cancelled,
            stamp: start,
            sequence,
        }
    }

    /// The content lines of a calendar, unfolded, as a reader sees them.
    fn unfolded(file: &str) -> Vec<String> {
        file.replace("\r\n ", "")
            .split("\r\n")
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn times_are_local_to_oslo_and_text_is_escaped() {
        let zone = crate::clinic_time_zone().expect("tz");
        let start: Timestamp = "2025-12-17T07:15:00Z".parse().expect("ts");
        let file = calendar_file(&vaccine("appointment-7@timebok", start, false, 2), &zone);
        assert!(file.contains("DTSTART;TZID=Europe/Oslo:20251217T081500\r\n"));
        assert!(file.contains("DTEND;TZID=Europe/Oslo:20251217T083000\r\n"));
        assert!(file.contains("SEQUENCE:2\r\n"));
        assert!(file.contains("STATUS:CONFIRMED\r\n"));
        assert!(file.contains("LOCATION:Influensaveien 3a\\, 1325 Lysaker\r\n"));
        assert!(file.contains("TZID:Europe/Oslo\r\n"));
        assert!(file.starts_with("BEGIN:VCALENDAR\r\n") && file.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(file.matches("BEGIN:VEVENT").count(), 1);
        assert!(
            !file.contains("X-WR-CALNAME"),
            "a single file names no calendar"
        );
    }

    #[test]
    fn long_lines_are_folded_at_75_octets_without_splitting_a_character() {
        let zone = crate::clinic_time_zone().expect("tz");
        let start: Timestamp = "2025-12-17T07:15:00Z".parse().expect("ts");
        let summary =
            "Time til laboratoriet hos Æsøy og Øvre Ålstrøms legesenter, avdeling for blodprøver";
        let event = CalendarEvent {
            summary,
            ..vaccine("appointment-8@timebok", start, false, 0)
        };
        let file = calendar_file(&event, &zone);
        for physical in file.split("\r\n") {
            assert!(
                physical.len() <= 75,
                "{physical:?} is {} octets",
                physical.len()
            );
        }
        let lines = unfolded(&file);
        assert!(
            lines.contains(&format!("SUMMARY:{}", escape(summary))),
            "{lines:?}"
        );
    }

    #[test]
    fn a_feed_holds_each_event_as_the_single_file_does_with_its_name_and_refresh() {
        let zone = crate::clinic_time_zone().expect("tz");
        let start: Timestamp = "2026-03-30T06:00:00Z".parse().expect("ts");
        let booked = vaccine("appointment-1@timebok", start, false, 0);
        let cancelled = vaccine(
            "appointment-2@timebok",
            start + SignedDuration::from_hours(24),
            true,
            1,
        );
        let feed = calendar_feed(
            &CalendarFeed {
                name: "Timeavtaler, Kari",
                refresh: SignedDuration::from_hours(1),
            },
            &[booked, cancelled],
            &zone,
        );
        let lines = unfolded(&feed);
        for wanted in [
            "NAME:Timeavtaler\\, Kari",
            "X-WR-CALNAME:Timeavtaler\\, Kari",
            "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
            "X-PUBLISHED-TTL:PT1H",
            "STATUS:CANCELLED",
            "SEQUENCE:1",
            // Summer time: 06:00 UTC is 08:00 in Oslo.
            "DTSTART;TZID=Europe/Oslo:20260330T080000",
        ] {
            assert!(lines.iter().any(|l| l == wanted), "{wanted} in {lines:?}");
        }
        assert_eq!(feed.matches("BEGIN:VEVENT").count(), 2);
        // The event of the feed is, line for line, the single file's event.
        let single = calendar_file(
            &vaccine(
                "appointment-2@timebok",
                start + SignedDuration::from_hours(24),
                true,
                1,
            ),
            &zone,
        );
        let event_of = |file: &str| {
            let begin = file.find("BEGIN:VEVENT").expect("event");
            let end = file[begin..].find("END:VEVENT").expect("end") + begin;
            file[begin..end].to_owned()
        };
        let second = &feed[feed.rfind("BEGIN:VEVENT").expect("second")..];
        assert_eq!(event_of(second), event_of(&single));
    }

    #[test]
    fn an_empty_feed_is_still_a_calendar_with_a_component() {
        let zone = crate::clinic_time_zone().expect("tz");
        let feed = calendar_feed(
            &CalendarFeed {
                name: "Timeavtaler",
                refresh: SignedDuration::from_mins(90),
            },
            &[],
            &zone,
        );
        assert!(feed.contains("BEGIN:VTIMEZONE\r\n"));
        assert!(feed.contains("REFRESH-INTERVAL;VALUE=DURATION:PT90M\r\n"));
        assert!(!feed.contains("BEGIN:VEVENT"));
    }
}

//! Calendar files (RFC 5545) for appointments, with their times in Europe/Oslo so that a
//! calendar shows the clinic's wall-clock time wherever the phone happens to be.

use jiff::Timestamp;
use jiff::tz::TimeZone;

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

/// The rules of Europe/Oslo since 1996, which every calendar understands without a lookup.
const OSLO: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Oslo\r\n\
BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n\
DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n\
BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n\
DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n\
END:VTIMEZONE\r\n";

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

pub fn calendar_file(event: &CalendarEvent<'_>, zone: &TimeZone) -> String {
    let status = if event.cancelled {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Timebok//Timebok//NO\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n\
         {OSLO}BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:{stamp}\r\nDTSTART;TZID=Europe/Oslo:{start}\r\n\
         DTEND;TZID=Europe/Oslo:{end}\r\nSUMMARY:{summary}\r\nLOCATION:{location}\r\nSTATUS:{status}\r\nSEQUENCE:{sequence}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n",
        uid = escape(&event.uid),
        stamp = event.stamp.strftime("%Y%m%dT%H%M%SZ"),
        start = local(event.start, zone),
        end = local(event.end, zone),
        summary = escape(event.summary),
        location = escape(event.location),
        sequence = event.sequence.max(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_local_to_oslo_and_text_is_escaped() {
        let zone = crate::clinic_time_zone().expect("tz");
        let start: Timestamp = "2025-12-17T07:15:00Z".parse().expect("ts");
        let file = calendar_file(
            &CalendarEvent {
                uid: "appointment-7@timebok".into(),
                start,
                end: start + jiff::SignedDuration::from_mins(15),
                summary: "Time til vaksine hos Helsenorge testlegekontor",
                location: "Influensaveien 3a, 1325 Lysaker",
                cancelled: false,
                stamp: start,
                sequence: 2,
            },
            &zone,
        );
        assert!(file.contains("DTSTART;TZID=Europe/Oslo:20251217T081500\r\n"));
        assert!(file.contains("DTEND;TZID=Europe/Oslo:20251217T083000\r\n"));
        assert!(file.contains("SEQUENCE:2\r\n"));
        assert!(file.contains("LOCATION:Influensaveien 3a\\, 1325 Lysaker\r\n"));
        assert!(file.contains("TZID:Europe/Oslo\r\n"));
        assert!(file.starts_with("BEGIN:VCALENDAR\r\n") && file.ends_with("END:VCALENDAR\r\n"));
    }
}

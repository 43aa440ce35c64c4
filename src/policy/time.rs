//! Dates as IAM's `Date*` operators read them: ISO 8601 (a date, or a date and time with
//! `Z` or an offset, seconds optional, fractions ignored) or epoch seconds.
//!
//! Hand-written on purpose: the civil-date arithmetic is a few lines, and the policy layer
//! stays free of a date crate.

/// Seconds since 1970-01-01T00:00:00Z for a date as a policy or a plan writes it.
pub(crate) fn parse(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut d = date.splitn(3, '-');
    let year: i64 = num(d.next()?, 4)?;
    let month: i64 = num(d.next()?, 2)?;
    let day: i64 = num(d.next()?, 2)?;
    if !(1..=12).contains(&month) || !(1..=days_in(year, month)).contains(&day) {
        return None;
    }
    let mut secs = days_from_civil(year, month, day) * 86_400;
    if let Some(t) = time {
        let (clock, offset) = split_offset(t)?;
        let mut c = clock.splitn(3, ':');
        let h: i64 = num(c.next()?, 2)?;
        let m: i64 = num(c.next()?, 2)?;
        let sec: i64 = match c.next() {
            Some(x) => num(x.split('.').next()?, 2)?,
            None => 0,
        };
        if h > 23 || m > 59 || sec > 60 {
            return None;
        }
        secs += h * 3600 + m * 60 + sec - offset;
    }
    Some(secs)
}

fn num(s: &str, len: usize) -> Option<i64> {
    (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// The clock part and the offset east of UTC in seconds.
fn split_offset(t: &str) -> Option<(&str, i64)> {
    if let Some(c) = t.strip_suffix(['Z', 'z']) {
        return Some((c, 0));
    }
    match t.rfind(['+', '-']) {
        Some(i) => {
            let (h, m) = t[i + 1..].split_once(':')?;
            let off = num(h, 2)? * 3600 + num(m, 2)? * 60;
            Some((&t[..i], if &t[i..=i] == "-" { -off } else { off }))
        }
        // No zone: IAM reads it as UTC.
        None => Some((t, 0)),
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DDTHH:MM:SSZ` for epoch seconds.
pub(crate) fn format(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Now, in epoch seconds (for inputs that carry no time of their own).
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_times_offsets_and_epoch_seconds() {
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(parse("2026-11-28T10:00:00Z"), Some(1_795_860_000));
        assert_eq!(parse("2026-11-28T10:00:00.123Z"), Some(1_795_860_000));
        assert_eq!(parse("2026-11-28T12:00:00+02:00"), Some(1_795_860_000));
        assert_eq!(parse("2026-11-28T10:00Z"), Some(1_795_860_000));
        assert_eq!(parse("1795860000"), Some(1_795_860_000));
        assert_eq!(parse("2024-02-29"), Some(1_709_164_800));
        for bad in [
            "2023-02-29",
            "2026-13-01",
            "tomorrow",
            "",
            "2026-1-1",
            "2026-11-28T25:00Z",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn format_is_the_inverse_of_parse() {
        for s in [
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59Z",
            "2026-11-28T10:00:00Z",
            "2100-03-01T00:00:01Z",
        ] {
            assert_eq!(format(parse(s).unwrap()), s);
        }
    }
}

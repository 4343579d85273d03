//! UTC wall-clock time from `SystemTime`: event timestamps and the civil date of run
//! directory names, with no time-zone database.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, negative before it.
pub(crate) fn unix_seconds_f64(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

/// Whole seconds since the Unix epoch, rounded down.
pub(crate) fn unix_seconds(t: SystemTime) -> i64 {
    unix_seconds_f64(t).floor() as i64
}

/// The proleptic Gregorian date `(year, month, day)` of day `days` after 1970-01-01
/// (Howard Hinnant's `civil_from_days`: shift to eras of 400 years starting on March 1,
/// so leap days fall at the end of a year).
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of year from March 1
    let mp = (5 * doy + 2) / 153; // month from March, 0..=11
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `%Y%m%d%H%M%S` of `secs` since the epoch, in UTC (`20231114221320`).
pub(crate) fn utc_stamp(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(utc_stamp(1_700_000_000), "20231114221320");
        assert_eq!(utc_stamp(-1), "19691231235959");
    }

    #[test]
    fn agrees_with_counting_days() {
        let month_len = |y: i64, m: u32| match m {
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let mut days = civil_days_before(1600);
        for y in 1600..2500 {
            for m in 1..=12 {
                for d in 1..=month_len(y, m) {
                    assert_eq!(civil_from_days(days), (y, m, d));
                    days += 1;
                }
            }
        }
        assert_eq!(civil_from_days(days), (2500, 1, 1));
    }

    /// Days from 1970-01-01 back to January 1 of `year` (counted by whole years).
    fn civil_days_before(year: i64) -> i64 {
        let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        -(year..1970)
            .map(|y| if leap(y) { 366 } else { 365 })
            .sum::<i64>()
    }
}

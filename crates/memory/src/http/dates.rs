//! HTTP dates (`Sun, 06 Nov 1994 08:49:37 GMT`), as `Last-Modified` and the conditional
//! headers carry them.

use std::time::SystemTime;

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// RFC 9110's IMF-fixdate.
const IMF_FIXDATE: &[BorrowedFormatItem<'static>] = format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// `time` as an HTTP date.
pub(crate) fn format(time: SystemTime) -> String {
    time::OffsetDateTime::from(time)
        .format(IMF_FIXDATE)
        .unwrap_or_default()
}

/// An HTTP date, or `None` when `text` is not one.
pub(crate) fn parse(text: &str) -> Option<SystemTime> {
    time::PrimitiveDateTime::parse(text.trim(), IMF_FIXDATE)
        .ok()
        .map(|date| date.assume_utc().into())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn dates_round_trip() {
        let time = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(super::format(time), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(super::parse("Sun, 06 Nov 1994 08:49:37 GMT"), Some(time));
        assert_eq!(super::parse("yesterday"), None);
    }
}

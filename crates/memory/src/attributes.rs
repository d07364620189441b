//! The four HTTP attributes an object may carry besides its Content-Type.

use stowage_core::ObjectMeta;

/// `Cache-Control`, `Content-Disposition`, `Content-Encoding` and `Content-Language`.
///
/// A [`StoredObject`](crate::object::StoredObject) boxes them only when one is set, so the
/// many objects that carry none stay small and cost no allocation for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpAttributes {
    /// `Cache-Control`.
    cache_control: Option<String>,
    /// `Content-Disposition`.
    content_disposition: Option<String>,
    /// `Content-Encoding`.
    content_encoding: Option<String>,
    /// `Content-Language`.
    content_language: Option<String>,
}

impl HttpAttributes {
    /// The attributes, boxed, or `None` when none of them is set.
    pub(crate) fn boxed(
        cache_control: Option<String>,
        content_disposition: Option<String>,
        content_encoding: Option<String>,
        content_language: Option<String>,
    ) -> Option<Box<Self>> {
        let attributes = Self {
            cache_control,
            content_disposition,
            content_encoding,
            content_language,
        };
        attributes.is_set().then(|| Box::new(attributes))
    }

    /// True when at least one attribute is set.
    fn is_set(&self) -> bool {
        self.cache_control.is_some()
            || self.content_disposition.is_some()
            || self.content_encoding.is_some()
            || self.content_language.is_some()
    }

    /// Copies the attributes into `meta`.
    pub(crate) fn fill(&self, meta: &mut ObjectMeta) {
        meta.cache_control.clone_from(&self.cache_control);
        meta.content_disposition
            .clone_from(&self.content_disposition);
        meta.content_encoding.clone_from(&self.content_encoding);
        meta.content_language.clone_from(&self.content_language);
    }
}

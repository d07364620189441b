//! The list of the suite's areas, written once, and what is generated from it.

/// One `#[tokio::test]` per area of the suite, in a module of its own, for one backend.
///
/// `$setup` is an expression whose `.await` gives a [`Backend`](crate::Backend); each test
/// evaluates it afresh. The test binary needs `tokio` with its `macros` and `rt` features.
///
/// ```no_run
/// use stowage_testkit::{Backend, Capabilities, MemoryRedeemer};
///
/// async fn my_backend() -> Backend {
///     let storage = stowage_memory::MemoryStorage::builder().bucket("b1").bucket("b2").build();
///     let redeemer = MemoryRedeemer::new(storage.clone());
///     Backend::new(storage, redeemer, "b1", "b2", Capabilities::full())
/// }
///
/// stowage_testkit::conformance_tests!(my_backend_suite, my_backend());
/// # fn main() {}
/// ```
///
/// The rules starting with `@` are the macro's own: the areas are listed in one of them, so
/// that [`run_all`](crate::run_all) and the generated tests cannot drift apart.
#[macro_export]
macro_rules! conformance_tests {
    (@areas [$($how:tt)*]) => {
        $crate::conformance_tests!(@expand [$($how)*]
            keys::odd_keys_round_trip,
            objects::put_get_head,
            objects::streaming_get,
            objects::exists,
            objects::copy,
            objects::delete,
            batch_delete::every_path_reported,
            listing::delimiter_and_prefixes,
            listing::pagination,
            listing_pages::pages_and_start_after,
            listing_pages::resume_from_token,
            reads::ranges,
            reads::conditional_reads,
            writes::conditional_puts,
            writes::concurrent_creates,
            writes::conditional_copies,
            attributes::round_trip,
            transfers::multipart_puts,
            transfers::failed_uploads_leave_nothing,
            transfers::dropped_uploads_leave_nothing,
            transfers::multipart_copies,
            transfers::parts_sent_by_the_caller,
            transfers::parallel_downloads,
            file_downloads::downloads_to_files,
            presign::presigned_get,
            presign::post_policy,
            errors::error_kinds,
            spans::same_shape_for_every_operation,
        );
    };
    (@expand [tests $module:ident ($setup:expr)] $($area:ident :: $test:ident),* $(,)?) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test]
                async fn $test() {
                    // Every key the suite writes starts with SUITE_KEY_PREFIX; no event of
                    // the binary may carry one, a signature, a credential or a policy.
                    let logs = $crate::logs::forbid([$crate::SUITE_KEY_PREFIX]);
                    let backend: $crate::Backend = $setup.await;
                    $crate::areas::$area::$test(&backend.fixture()).await;
                    logs.assert_free_of(&[$crate::SUITE_KEY_PREFIX]);
                }
            )*
        }
    };
    (@expand [run_all $fixture:ident] $($area:ident :: $test:ident),* $(,)?) => {
        $( $crate::areas::$area::$test($fixture).await; )*
    };
    ($module:ident, $setup:expr $(,)?) => {
        $crate::conformance_tests!(@areas [tests $module ($setup)]);
    };
}

/// Runs every area of the suite, one after the other.
pub async fn run_all(fixture: &crate::Fixture<'_>) {
    conformance_tests!(@areas [run_all fixture]);
}

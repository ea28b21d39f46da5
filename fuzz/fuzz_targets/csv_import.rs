//! Any bytes, imported as each kind of CSV file into a seeded municipality: no panic, a dry run
//! or a strict import with errors writes nothing, the reports add up.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    peerlift_api::fuzzing::import_csv(data);
});

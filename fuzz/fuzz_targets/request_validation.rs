//! Any bytes, decoded as request messages and put through the services' conversions and
//! checks: no panic, an accepted record is valid and survives the round trip, a refusal names
//! its fields in a short status.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    peerlift_api::fuzzing::validate_request(data);
});

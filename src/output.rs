//! `--output json`: what a command prints, as JSON a script reads without parsing tables.
//!
//! Any API message is written in the protobuf JSON mapping with the API's own field names
//! (`municipality_id`, not `municipalityId`) and enum names (`SCHOOL_STATUS_LOW_RESULTS`),
//! read through the same descriptors the server serves by reflection, so the JSON of a command
//! is the JSON of the call behind it. Lists are one JSON array of their resources.

use std::sync::OnceLock;

use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage, SerializeOptions};

/// How a command prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Output {
    /// Tables and sentences for a person.
    #[default]
    Text,
    /// JSON for programs: the API's messages, with the API's field names.
    Json,
}

static OUTPUT: OnceLock<Output> = OnceLock::new();

/// Chooses the output for the rest of the process (the first call wins).
pub fn set(o: Output) {
    let _ = OUTPUT.set(o);
}

/// Whether commands print JSON.
pub fn json() -> bool {
    OUTPUT.get().copied() == Some(Output::Json)
}

fn pool() -> Option<&'static DescriptorPool> {
    static POOL: OnceLock<Option<DescriptorPool>> = OnceLock::new();
    POOL.get_or_init(|| DescriptorPool::decode(peerlift_api::pb::FILE_DESCRIPTOR_SET).ok())
        .as_ref()
}

/// One message as a JSON value; `name` is its full protobuf name (`peerlift.v1.School`).
pub fn value<M: Message>(msg: &M, name: &str) -> serde_json::Value {
    let Some(desc) = pool().and_then(|p| p.get_message_by_name(name)) else {
        return serde_json::Value::Null;
    };
    let Ok(dynamic) = DynamicMessage::decode(desc, msg.encode_to_vec().as_slice()) else {
        return serde_json::Value::Null;
    };
    let options = SerializeOptions::new()
        .use_proto_field_name(true)
        .stringify_64_bit_integers(false);
    dynamic
        .serialize_with_options(serde_json::value::Serializer, &options)
        .unwrap_or(serde_json::Value::Null)
}

/// Prints one message.
pub fn print<M: Message>(msg: &M, name: &str) {
    println!("{}", pretty(&value(msg, name)));
}

/// Prints a list of resources as one array.
pub fn print_list<M: Message>(items: &[M], name: &str) {
    let all: Vec<serde_json::Value> = items.iter().map(|m| value(m, name)).collect();
    println!("{}", pretty(&serde_json::Value::Array(all)));
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use peerlift_api::pb;

    #[test]
    fn messages_keep_the_apis_field_and_enum_names() {
        let s = pb::School {
            municipality_id: "kirovsky".into(),
            id: "putilovo-oosh".into(),
            status: pb::SchoolStatus::LowResults as i32,
            ..Default::default()
        };
        let v = value(&s, "peerlift.v1.School");
        assert_eq!(v["municipality_id"], "kirovsky");
        assert_eq!(v["status"], "SCHOOL_STATUS_LOW_RESULTS");
    }
}

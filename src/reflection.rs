//! gRPC server reflection (v1 and v1alpha) that answers every request on the stream.
//!
//! tonic-reflection ends the stream with an error status when a symbol is unknown, so a
//! client that asks for one wrong name loses the stream; the protocol has an
//! `error_response` for that, and a client generated from reflection alone (an integrator's
//! first hour) asks for many names. Here every request gets a response: the file (with its
//! dependencies, so one answer is enough to build a client) or an `error_response`. The
//! descriptors carry the protos' comments (source info) and the `google.rpc` detail types.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use prost::Message;
use prost_types::{DescriptorProto, FileDescriptorProto, FileDescriptorSet};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status, Streaming};

/// Files by name and the file of every symbol (packages' services, methods, messages,
/// nested messages, enums and fields).
#[derive(Debug, Default)]
pub struct Index {
    files: HashMap<String, FileDescriptorProto>,
    symbols: HashMap<String, String>,
    services: BTreeSet<String>,
}

impl Index {
    /// From encoded file descriptor sets; a file in several sets is taken once.
    pub fn new(sets: &[&[u8]]) -> Result<Index, prost::DecodeError> {
        let mut index = Index::default();
        for bytes in sets {
            for file in FileDescriptorSet::decode(*bytes)?.file {
                if index.files.contains_key(file.name()) {
                    continue;
                }
                index.add(file);
            }
        }
        Ok(index)
    }

    fn add(&mut self, file: FileDescriptorProto) {
        let name = file.name().to_string();
        let pkg = file.package();
        let full = |n: &str| {
            if pkg.is_empty() {
                n.to_string()
            } else {
                format!("{pkg}.{n}")
            }
        };
        for s in &file.service {
            let svc = full(s.name());
            self.services.insert(svc.clone());
            for m in &s.method {
                self.symbols
                    .insert(format!("{svc}.{}", m.name()), name.clone());
            }
            self.symbols.insert(svc, name.clone());
        }
        for e in &file.enum_type {
            self.symbols.insert(full(e.name()), name.clone());
        }
        for m in &file.message_type {
            self.add_message(&full(m.name()), m, &name);
        }
        self.files.insert(name, file);
    }

    fn add_message(&mut self, full: &str, m: &DescriptorProto, file: &str) {
        self.symbols.insert(full.to_string(), file.to_string());
        for f in &m.field {
            self.symbols
                .insert(format!("{full}.{}", f.name()), file.to_string());
        }
        for e in &m.enum_type {
            self.symbols
                .insert(format!("{full}.{}", e.name()), file.to_string());
        }
        for n in &m.nested_type {
            self.add_message(&format!("{full}.{}", n.name()), n, file);
        }
    }

    /// The file and every file it imports, transitively, each encoded once.
    fn with_dependencies(&self, name: &str) -> Option<Vec<Vec<u8>>> {
        self.files.get(name)?;
        let mut seen = BTreeSet::new();
        let mut order = Vec::new();
        let mut stack = vec![name.to_string()];
        while let Some(n) = stack.pop() {
            if !seen.insert(n.clone()) {
                continue;
            }
            if let Some(f) = self.files.get(&n) {
                order.push(f.encode_to_vec());
                stack.extend(f.dependency.iter().cloned());
            }
        }
        Some(order)
    }
}

/// The answer to one request, in terms both protocol versions share.
enum Answer {
    Files(Vec<Vec<u8>>),
    Services(Vec<String>),
    ExtensionNumbers(String),
    Error(i32, String),
}

fn answer(index: &Index, file_by_name: Option<&str>, symbol: Option<&str>) -> Answer {
    let not_found = |what: String| Answer::Error(tonic::Code::NotFound as i32, what);
    match (file_by_name, symbol) {
        (Some(name), _) => index
            .with_dependencies(name)
            .map(Answer::Files)
            .unwrap_or_else(|| not_found(format!("no file '{name}' (ListServices, then FileContainingSymbol, names the files)"))),
        (None, Some(sym)) => match index.symbols.get(sym.trim_start_matches('.')) {
            Some(file) => index
                .with_dependencies(file)
                .map(Answer::Files)
                .unwrap_or_else(|| not_found(format!("no file for symbol '{sym}'"))),
            None => not_found(format!(
                "no symbol '{sym}': services, methods, messages, enums and fields are known by their full names, e.g. peerlift.v1.SchoolService"
            )),
        },
        (None, None) => Answer::Services(index.services.iter().cloned().collect()),
    }
}

macro_rules! reflection_version {
    ($module:ident, $pb:path) => {
        pub mod $module {
            use super::*;
            use pb::server_reflection_request::MessageRequest;
            use pb::server_reflection_response::MessageResponse;
            use pb::server_reflection_server::ServerReflection;
            use $pb as pb;

            /// The reflection service of this protocol version.
            #[derive(Debug, Clone)]
            pub struct Reflection {
                pub index: Arc<Index>,
            }

            fn respond(
                index: &Index,
                req: pb::ServerReflectionRequest,
            ) -> pb::ServerReflectionResponse {
                let got = match &req.message_request {
                    Some(MessageRequest::FileByFilename(f)) => answer(index, Some(f), None),
                    Some(MessageRequest::FileContainingSymbol(s)) => answer(index, None, Some(s)),
                    Some(MessageRequest::ListServices(_)) => answer(index, None, None),
                    Some(MessageRequest::AllExtensionNumbersOfType(t)) => {
                        Answer::ExtensionNumbers(t.clone())
                    }
                    Some(MessageRequest::FileContainingExtension(_)) => Answer::Error(
                        tonic::Code::NotFound as i32,
                        "peerlift's protos declare no extensions".into(),
                    ),
                    None => Answer::Error(
                        tonic::Code::InvalidArgument as i32,
                        "the request names no message_request".into(),
                    ),
                };
                let message_response = match got {
                    Answer::Files(file_descriptor_proto) => {
                        MessageResponse::FileDescriptorResponse(pb::FileDescriptorResponse {
                            file_descriptor_proto,
                        })
                    }
                    Answer::Services(names) => {
                        MessageResponse::ListServicesResponse(pb::ListServiceResponse {
                            service: names
                                .into_iter()
                                .map(|name| pb::ServiceResponse { name })
                                .collect(),
                        })
                    }
                    Answer::ExtensionNumbers(base_type_name) => {
                        MessageResponse::AllExtensionNumbersResponse(pb::ExtensionNumberResponse {
                            base_type_name,
                            extension_number: Vec::new(),
                        })
                    }
                    Answer::Error(error_code, error_message) => {
                        MessageResponse::ErrorResponse(pb::ErrorResponse {
                            error_code,
                            error_message,
                        })
                    }
                };
                pb::ServerReflectionResponse {
                    valid_host: req.host.clone(),
                    original_request: Some(req),
                    message_response: Some(message_response),
                }
            }

            #[tonic::async_trait]
            impl ServerReflection for Reflection {
                type ServerReflectionInfoStream =
                    ReceiverStream<Result<pb::ServerReflectionResponse, Status>>;

                async fn server_reflection_info(
                    &self,
                    req: Request<Streaming<pb::ServerReflectionRequest>>,
                ) -> Result<Response<Self::ServerReflectionInfoStream>, Status> {
                    let mut input = req.into_inner();
                    let (tx, rx) = tokio::sync::mpsc::channel(4);
                    let index = self.index.clone();
                    tokio::spawn(async move {
                        while let Ok(Some(req)) = input.message().await {
                            if tx.send(Ok(respond(&index, req))).await.is_err() {
                                return;
                            }
                        }
                    });
                    Ok(Response::new(ReceiverStream::new(rx)))
                }
            }
        }
    };
}

reflection_version!(v1, tonic_reflection::pb::v1);
reflection_version!(v1alpha, tonic_reflection::pb::v1alpha);

/// The index of everything the server serves: its API, health, reflection itself and the
/// `google.rpc` error details.
pub fn index() -> Result<Arc<Index>, prost::DecodeError> {
    Ok(Arc::new(Index::new(&[
        peerlift_api::pb::FILE_DESCRIPTOR_SET,
        tonic_health::pb::FILE_DESCRIPTOR_SET,
        tonic_types::pb::FILE_DESCRIPTOR_SET,
        tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
        tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
    ])?))
}

//! Compiles the API protos with protox (pure Rust, no system protoc) and writes the encoded
//! descriptor set that server reflection serves.

use std::path::PathBuf;

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let root = manifest.join("../../proto");
    let dir = root.join("peerlift/v1");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "proto"))
        .collect();
    files.sort();
    // With source info, every comment of the protos reaches reflection clients (an
    // integrator building a client from reflection alone reads the units and formats there).
    let fds = protox::Compiler::new([&root])?
        .include_source_info(true)
        .include_imports(true)
        .open_files(&files)?
        .file_descriptor_set();
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("peerlift_descriptor.bin"), fds.encode_to_vec())?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        // Ordered maps encode deterministically, which request fingerprints rely on.
        .btree_map(".")
        .compile_fds(fds)?;
    Ok(())
}

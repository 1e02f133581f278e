//! JSON Schemas of the files staff edit (`policy.yaml`, `tests/*.yaml`), generated from the
//! types that read them, so an editor (VS Code with the YAML extension) completes keys, shows
//! each key's meaning and flags typos as they are typed. The bundled copies live in
//! `docs/schema/`; a test keeps them equal to what the types generate.

use crate::load::raw::RawPolicy;
use crate::testing::CaseFile;

/// Which file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `policy.yaml`.
    Policy,
    /// A pack's test cases (`tests/*.yaml`).
    Cases,
}

/// The JSON Schema of a file format, pretty-printed with a final newline.
pub fn json_schema(kind: FileKind) -> String {
    let schema = match kind {
        FileKind::Policy => schemars::schema_for!(RawPolicy),
        FileKind::Cases => schemars::schema_for!(CaseFile),
    };
    crate::report::to_json(&schema)
}

//! The shared list of dimensions (aspects of party building) that criteria and scoring rules
//! are tagged with, so that different standards can be laid side by side. Defined once in
//! `schema/dimensions.yaml`, built into the binary, overridable like the schemas.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;

/// One dimension: an aspect of party building (e.g. 组织建设) rules and criteria are tagged with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    /// The dimension's Chinese label.
    pub label: String,
    /// What the dimension covers, in words.
    #[serde(default)]
    pub description: String,
}

/// The dimensions, in their defined order.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dimensions {
    /// The dimensions by id, in their defined order.
    pub dimensions: IndexMap<String, Dimension>,
}

/// The dimension list shipped with the binary.
pub(crate) const BUILTIN: &str = include_str!("../../../schema/dimensions.yaml");

impl Dimensions {
    pub(crate) fn parse(text: &str, origin: &str) -> Result<Dimensions, Diagnostic> {
        serde_saphyr::from_str(text).map_err(|e| crate::load::yaml_error(&e, origin, text))
    }

    /// The built-in list.
    pub fn builtin() -> Dimensions {
        match Dimensions::parse(BUILTIN, "<built-in schema/dimensions.yaml>") {
            Ok(d) => d,
            // The built-in list is tested; reaching this is a build defect.
            Err(e) => unreachable!("built-in dimensions are invalid: {e}"),
        }
    }

    /// The label of dimension `id`, or `id` itself when the list has no such dimension.
    pub fn label<'a>(&'a self, id: &'a str) -> &'a str {
        self.dimensions.get(id).map_or(id, |d| d.label.as_str())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_builtin_list_parses() {
        let d = super::Dimensions::builtin();
        assert_eq!(d.label("leadership"), "组织领导");
        assert!(d.dimensions.len() >= 8);
    }
}

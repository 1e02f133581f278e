//! The rule kinds, one module each: the kind's validated form and how it evaluates a record
//! (its validation stays in `validate`, which owns the diagnostics; its trace and coverage read
//! what evaluation recorded). [`crate::policy::RuleKind`] is the one enum over them; it is
//! matched without wildcard arms, so a new kind is a compile error wherever it is not handled.

pub mod base;
pub mod checklist;
pub mod money;
pub mod points;
pub mod procedure;
pub mod table;
pub mod veto;

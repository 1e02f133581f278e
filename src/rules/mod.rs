//! Rule kinds that live in one module each: the kind's parsed form, reading its cells,
//! evaluating it and explaining it, together.

pub mod table;

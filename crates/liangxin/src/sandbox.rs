//! The Rhai engine every policy runs in, sandboxed by construction.
//!
//! Built from `Engine::new_raw()` plus only the packages a rule can need (arithmetic, logic,
//! strings, math, arrays, maps, ranges). Left out on purpose: the language-core package (it
//! holds `sleep`, which no operation limit stops), time (no clock), blobs, printing, module
//! imports (no file access) and `eval`. Limits end an endless loop or a runaway allocation
//! with an error instead of a hang.

use rhai::packages::{
    ArithmeticPackage, BasicArrayPackage, BasicIteratorPackage, BasicMapPackage, BasicMathPackage,
    BasicStringPackage, LogicPackage, MoreStringPackage, Package,
};
use rhai::{Engine, OptimizationLevel};

/// Bounds on what one evaluation of one rule may do.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Operations per evaluation; an endless loop stops here.
    pub max_operations: u64,
    /// How deep script functions may call each other.
    pub max_call_levels: usize,
    /// How deeply an expression may nest.
    pub max_expr_depth: usize,
    /// How deeply an expression inside a script function may nest.
    pub max_function_expr_depth: usize,
    /// The longest string a script may make, in bytes (UTF-8).
    pub max_string_size: usize,
    /// The most items an array may hold.
    pub max_array_size: usize,
    /// The most entries a map (object) may hold.
    pub max_map_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: 100_000,
            max_call_levels: 32,
            max_expr_depth: 64,
            max_function_expr_depth: 32,
            max_string_size: 10_000,
            max_array_size: 10_000,
            max_map_size: 1_000,
        }
    }
}

/// A new sandboxed engine with the given limits.
pub(crate) fn engine(limits: Limits) -> Engine {
    let mut engine = Engine::new_raw();
    ArithmeticPackage::new().register_into_engine(&mut engine);
    LogicPackage::new().register_into_engine(&mut engine);
    BasicStringPackage::new().register_into_engine(&mut engine);
    MoreStringPackage::new().register_into_engine(&mut engine);
    BasicMathPackage::new().register_into_engine(&mut engine);
    BasicArrayPackage::new().register_into_engine(&mut engine);
    BasicMapPackage::new().register_into_engine(&mut engine);
    BasicIteratorPackage::new().register_into_engine(&mut engine);
    engine
        .disable_symbol("eval")
        .disable_symbol("import")
        .disable_symbol("export")
        .disable_symbol("print")
        .disable_symbol("debug")
        // A name that is neither a declared field, a param nor a local is a compile error.
        .set_strict_variables(true)
        // Propagates params (scope constants) into expressions at compile time.
        .set_optimization_level(OptimizationLevel::Simple)
        .set_max_operations(limits.max_operations)
        .set_max_call_levels(limits.max_call_levels)
        .set_max_expr_depths(limits.max_expr_depth, limits.max_function_expr_depth)
        .set_max_string_size(limits.max_string_size)
        .set_max_array_size(limits.max_array_size)
        .set_max_map_size(limits.max_map_size);
    engine
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(script: &str) -> Result<rhai::Dynamic, String> {
        engine(Limits::default())
            .eval::<rhai::Dynamic>(script)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn arithmetic_and_strings_work() {
        assert_eq!(run("1 + 2 * 3").unwrap().as_int(), Ok(7));
        assert_eq!(run("\"ab\".len()").unwrap().as_int(), Ok(2));
        assert_eq!(
            run("let s = 0; for i in 0..4 { s += i; } s")
                .unwrap()
                .as_int(),
            Ok(6)
        );
    }

    #[test]
    fn endless_loops_stop() {
        let err = run("loop { }").unwrap_err();
        assert!(err.contains("Too many operations"), "{err}");
    }

    #[test]
    fn no_sleep_no_eval_no_import() {
        assert!(run("sleep(3)").unwrap_err().contains("Function not found"));
        assert!(run("eval(\"1\")").is_err());
        assert!(run("import \"x\" as y; 1").is_err());
        assert!(run("timestamp()").is_err());
    }

    #[test]
    fn runaway_strings_stop() {
        let err = run("let s = \"x\"; loop { s += s; }").unwrap_err();
        assert!(
            err.contains("too large") || err.contains("Length of string"),
            "{err}"
        );
    }
}

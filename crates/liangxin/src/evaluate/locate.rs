//! Where in a pack's scripts an evaluation that hit a limit was.
//!
//! Rhai reports a limit (too many operations, calls too deep, a value too large) at the call in
//! the rule's expression, not at the line of the script function where the loop or recursion
//! ran: system errors pass through function calls with their position replaced. So after such a
//! failure (and only then: the normal path pays nothing), the one failing evaluation is run again
//! on an engine with a debugger that notes every script position it reaches; it hits the same
//! limit, and the last position noted is where the script was.

use std::sync::{Arc, Mutex};

use rhai::debugger::{DebuggerCommand, DebuggerEvent};
use rhai::{AST, Dynamic, Scope};

use crate::compile::FunctionFiles;
use crate::sandbox::{self, Limits};

/// The script place (`file:line:column`, in function `name`) where evaluating `ast` in `scope`
/// runs into a limit, if it does.
pub(crate) fn limit_location(
    limits: Limits,
    ast: &AST,
    scope: &Scope,
    files: &FunctionFiles,
) -> Option<String> {
    let last: Arc<Mutex<Option<(String, rhai::Position)>>> = Arc::default();
    let noted = Arc::clone(&last);
    let mut engine = sandbox::engine(limits);
    crate::value::register_empty(&mut engine);
    // Rhai marks the debugger API as volatile (through `deprecated`), not as going away.
    #[allow(deprecated)]
    engine.register_debugger(
        |_, debugger| debugger,
        move |context, event, _node, _source, position| {
            // Steps only: a function's exit reports its closing brace, not where it failed.
            if matches!(event, DebuggerEvent::Step) && !position.is_none() {
                let function = context
                    .global_runtime_state()
                    .debugger()
                    .call_stack()
                    .last()
                    .map(|frame| frame.fn_name.to_string());
                if let (Some(function), Ok(mut last)) = (function, noted.lock()) {
                    *last = Some((function, position));
                }
            }
            Ok(DebuggerCommand::StepInto)
        },
    );
    let mut scope = scope.clone();
    // The replay is expected to fail the same way; only where it got to matters.
    let _ = engine.eval_ast_with_scope::<Dynamic>(&mut scope, ast);
    let found = last.lock().ok()?.clone();
    found.map(|(function, position)| {
        let source = files.get(&function).map_or("a script", String::as_str);
        format!(
            " in function `{function}` ({source}:{}:{})",
            position.line().unwrap_or(0),
            position.position().unwrap_or(0)
        )
    })
}

//! CPU-bound work (reading a ledger, preparing a pack, evaluating) runs on tokio's blocking
//! threads, at most `eval_slots` jobs at a time.
//!
//! Without a cap, 32 clients start 32 blocking threads on a 2-core machine: each job then takes
//! 16 times as long, every request's latency grows with the crowd, and memory holds 32
//! ledgers at once. With a cap equal to the cores, jobs run at full speed one after another and
//! the rest wait, cheaply, as futures. A request waiting for a slot is still inside the
//! per-request time limit (the `time_limit` middleware wraps the whole handler), so it gets the
//! same 503 as one whose work took too long, and gives its place up when it does.

use axum::http::StatusCode;

use crate::AppState;
use crate::errors::Failure;

/// Runs `work` on a blocking thread once one of the state's slots is free.
pub async fn blocking<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Failure> {
    let internal = |e: String| {
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("内部错误 / internal error: {e}"),
        )
    };
    // The semaphore is never closed, so this waits rather than fails.
    let permit = state
        .slots
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| internal(e.to_string()))?;
    // The permit moves into the job: a request that times out leaves its job running (a
    // blocking thread cannot be stopped), and the slot stays taken until the CPU is free again.
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(|e| internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};

    use super::blocking;
    use crate::Config;
    use crate::app_on;
    use crate::testing::{bundled, config, post_json, send, shared};

    /// However many requests come at once, no more jobs run than there are slots.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_jobs_run_at_once_than_there_are_slots() {
        for slots in [1, 2] {
            let state = shared(&Config {
                eval_slots: slots,
                ..config(&bundled())
            });
            let running = Arc::new(AtomicUsize::new(0));
            let most = Arc::new(AtomicUsize::new(0));
            let jobs: Vec<_> = (0..8)
                .map(|_| {
                    let (state, running, most) = (state.clone(), running.clone(), most.clone());
                    tokio::spawn(async move {
                        blocking(&state, move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(30));
                            running.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                        .unwrap();
                    })
                })
                .collect();
            for job in jobs {
                job.await.unwrap();
            }
            assert_eq!(most.load(Ordering::SeqCst), slots);
        }
    }

    /// A request waiting for a slot is held to the time limit: 503, as JSON for the API and
    /// as a Chinese page for staff; once the slot is free, the same request is answered.
    #[tokio::test]
    async fn waiting_for_a_slot_obeys_the_time_limit() {
        let state = shared(&Config {
            eval_slots: 1,
            timeout: Duration::from_millis(300),
            ..config(&bundled())
        });
        let app = app_on(state.clone());
        let record = r#"[{"党员编号": "M1"}]"#;
        let uri = "/api/packs/longwen-points/evaluate?as_of=2024-06-30";
        let taken = state.slots.clone().acquire_owned().await.unwrap();

        let (status, _, body) = send(&app, post_json(uri, record)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(value["error"]["kind"], "timeout", "{body}");
        assert!(body.contains("请求超过时间限制"), "{body}");

        let page = Request::get("/packs/longwen-points")
            .body(Body::empty())
            .unwrap();
        let (status, headers, body) = send(&app, page).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(body.contains("超时"), "{body}");

        drop(taken);
        let (status, _, body) = send(&app, post_json(uri, record)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

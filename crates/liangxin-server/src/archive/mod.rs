//! 档案: the archive of published assessments in the workbench. Publishing the session's
//! current evaluation (`publish.rs`, editors), and reading the archive (`pages.rs`, anyone who
//! may read): publications, a record year over year, moves between two periods, an
//! organization's star history, follow-ups with deadlines, the printable 公示.

mod pages;
mod publish;

pub use pages::{followups, index, moves, notice, organization, publication, record};
pub(crate) use publish::form as publish_form;
pub use publish::publish;

use axum::http::StatusCode;
use liangxin_archive::{Archive, ArchiveError};

use crate::AppState;
use crate::errors::Failure;

/// An archive error as a response: what is not there is a 404, what cannot be published as
/// asked a 409 or 422, a damaged or newer archive a 500 whose message says what to do.
pub(crate) fn failure(e: ArchiveError) -> Failure {
    let (status, kind) = match &e {
        ArchiveError::NotPublished { .. } | ArchiveError::NoPublication(_) => {
            (StatusCode::NOT_FOUND, "not_published")
        }
        ArchiveError::AlreadyPublished { .. } | ArchiveError::NothingToSupersede { .. } => {
            (StatusCode::CONFLICT, "published")
        }
        ArchiveError::Refused(_) | ArchiveError::Frozen(_) => {
            (StatusCode::UNPROCESSABLE_ENTITY, "refused")
        }
        ArchiveError::NoArchive(_)
        | ArchiveError::NotAnArchive { .. }
        | ArchiveError::NewerFormat { .. }
        | ArchiveError::Io(..)
        | ArchiveError::Database { .. } => (StatusCode::INTERNAL_SERVER_ERROR, "archive"),
    };
    Failure::new(status, kind, e.to_string())
}

/// The library's archive for reading: `None` while nothing has been published (the file is
/// not made by reading).
pub(crate) fn open_for_reading(state: &AppState) -> Result<Option<Archive>, Failure> {
    match Archive::open_existing(&state.library) {
        Ok(a) => Ok(Some(a)),
        Err(ArchiveError::NoArchive(_)) => Ok(None),
        Err(e) => Err(failure(e)),
    }
}

/// `2024-01-05T09:30:00+08:00` as staff read it: `2024-01-05 09:30`.
pub(crate) fn shown_time(at: &str) -> String {
    match (at.get(..10), at.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => at.to_owned(),
    }
}

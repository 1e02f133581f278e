//! What the workbench's integration tests share: a library with accounts, a browser that keeps
//! its session cookie and posts forms, git run on the library.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use liangxin_server::accounts::{Accounts, Role, accounts_path};
use liangxin_server::{AppState, Config, app};
use tower::ServiceExt;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A new editable library (the bundled packs copied in and committed), with these accounts.
pub fn library(accounts: &[(&str, Role)]) -> (tempfile::TempDir, Router) {
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("标准库");
    if !accounts.is_empty() {
        let mut all = Accounts::default();
        for (name, role) in accounts {
            all.add(name, *role, "password-123").unwrap();
        }
        all.write(&accounts_path(&library)).unwrap();
    }
    let state = AppState::new(&Config {
        library: library.clone(),
        read_only: false,
        body_limit: 1024 * 1024,
        timeout: Duration::from_secs(60),
        ..Config::default()
    })
    .unwrap();
    (dir, app(state))
}

/// A browser: keeps the session cookie between requests.
pub struct Browser {
    pub app: Router,
    pub cookie: Option<String>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    /// The value of the form field `_csrf` on the page.
    pub fn csrf(&self) -> String {
        self.hidden("_csrf")
    }

    /// The value of a hidden form field on the page.
    pub fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let at = self.body.find(&marker).expect("the field") + marker.len();
        let end = at + self.body[at..].find('"').unwrap();
        self.body[at..end].to_string()
    }
}

impl Browser {
    pub fn new(app: &Router) -> Browser {
        Browser {
            app: app.clone(),
            cookie: None,
        }
    }

    pub async fn send(&mut self, mut request: Request<Body>) -> Page {
        if let Some(c) = &self.cookie {
            request
                .headers_mut()
                .insert(header::COOKIE, c.parse().unwrap());
        }
        let response = self.app.clone().oneshot(request).await.unwrap();
        if let Some(set) = response.headers().get(header::SET_COOKIE) {
            self.cookie = Some(set.to_str().unwrap().split(';').next().unwrap().to_string());
        }
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|l| l.to_str().unwrap().to_string());
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Page {
            status,
            location,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&mut self, uri: &str) -> Page {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    pub async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Page {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        self.send(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body.join("&")))
                .unwrap(),
        )
        .await
    }

    pub async fn sign_in(&mut self, name: &str, password: &str) -> Page {
        let form = self.get("/sign-in").await;
        let csrf = form.csrf();
        self.post_form(
            "/sign-in",
            &[
                ("_csrf", &csrf),
                ("name", name),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }

    pub async fn upload(&mut self, pack: &str, file: &str) -> Page {
        self.upload_with(pack, file, &[]).await
    }

    pub async fn upload_with(&mut self, pack: &str, file: &str, extra: &[(&str, &str)]) -> Page {
        self.upload_files(pack, &[("ledger", file)], extra).await
    }

    /// The evaluate form posted with `files` (form field, path) and `extra` text fields.
    pub async fn upload_files(
        &mut self,
        pack: &str,
        files: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> Page {
        let boundary = "workbench-test";
        let mut body = Vec::new();
        for &(name, value) in [("pack", pack), ("as_of", "2024-06-30")]
            .iter()
            .chain(extra)
        {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (field, file) in files {
            let name = Path::new(file).file_name().unwrap().to_str().unwrap();
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n\r\n")
                    .as_bytes(),
            );
            body.extend(std::fs::read(root().join(file)).unwrap());
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").as_bytes());
        self.send(
            Request::post("/evaluate")
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }
}

pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub fn git(library: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(library)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

//! Stage 1, load: read a pack's files (through a [`Loader`]), parse its YAML, resolve
//! `extends:` and gather its scripts. The result is a [`Pack`]: the policy as written, with
//! every item knowing which file and line it came from. Nothing is checked here beyond the
//! YAML and the format's keys; meaning is `validate`'s job.

mod loader;
pub mod raw;
mod shape;

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_saphyr::Spanned;

pub use loader::{FsLoader, Loader, MemoryLoader, normalize};
use raw::{
    RawBands, RawBudget, RawCatalog, RawCategory, RawFieldEntry, RawGrade, RawGroupRule,
    RawPackField, RawParam, RawPolicy, RawRanking, RawRule,
};

use crate::diagnostic::{Diagnostic, Location};
use crate::dimension::Dimensions;
use crate::schema::{Schema, Subject};

/// How deep `extends:` chains may go; deeper is almost certainly a cycle through symlinks.
const MAX_EXTENDS_DEPTH: usize = 8;

/// Why a pack could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The pack's file could not be read at all (a usage or I/O problem).
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path that could not be read, as given or as resolved.
        path: String,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// The pack was read but is not a valid policy.
    #[error("the pack has {} problem(s)", .0.len())]
    Invalid(Vec<Diagnostic>),
}

/// One file of a pack, kept so diagnostics can quote its lines.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The file's path, as diagnostics print it.
    pub path: String,
    /// The file's whole text.
    pub text: String,
    /// Where each line starts, found once when a diagnostic first needs a line: a pack with
    /// 20,000 warnings must not scan its file 20,000 times.
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub(crate) fn new(path: String, text: String) -> SourceFile {
        SourceFile {
            path,
            text,
            line_starts: std::sync::OnceLock::new(),
        }
    }

    /// Line `n` (from 1), without its line ending.
    pub fn line(&self, n: u32) -> Option<&str> {
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let start = *starts.get((n as usize).checked_sub(1)?)?;
        let end = starts.get(n as usize).map_or(self.text.len(), |&e| e - 1);
        let line = self.text.get(start..end.max(start))?;
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

/// An item of a pack with the index of the file (in [`Pack::files`]) it was written in.
#[derive(Debug, Clone)]
pub(crate) struct At<T> {
    pub file: usize,
    pub item: T,
}

/// A keyed item (param, category, grade) with its key's location.
pub(crate) type Keyed<T> = At<(Spanned<String>, T)>;

/// A script file of a pack.
#[derive(Debug, Clone)]
pub(crate) struct ScriptFile {
    pub file: usize,
}

/// A pack as written, after `extends:` is resolved: the pack's own items override its parent's
/// by id, and new ones are added after them.
#[derive(Debug)]
pub struct Pack {
    /// The pack's directory.
    pub dir: PathBuf,
    /// Every file read: index 0 is the pack's own policy.yaml.
    pub files: Vec<SourceFile>,
    /// The pack's own policy.yaml (its metadata is the pack's, never the parent's).
    pub head: RawPolicy,
    /// The chain of packs this one extends, nearest first.
    pub extends: Vec<String>,
    /// The fields the pack reads (its own declared fields among them).
    pub(crate) fields: Vec<At<Spanned<String>>>,
    /// Fields the pack (or a pack it extends) declares for columns the schema lacks; validate
    /// adds them to [`Pack::schema`].
    pub(crate) own_fields: Vec<At<RawPackField>>,
    pub(crate) params: IndexMap<String, Keyed<RawParam>>,
    pub(crate) categories: IndexMap<String, Keyed<RawCategory>>,
    pub(crate) rules: Vec<At<RawRule>>,
    pub(crate) bands: Option<At<RawBands>>,
    pub(crate) grades: IndexMap<String, Keyed<RawGrade>>,
    pub(crate) ranking: Option<At<RawRanking>>,
    pub(crate) budget: Option<At<RawBudget>>,
    pub(crate) group_rules: Vec<At<RawGroupRule>>,
    pub(crate) catalog: Option<At<RawCatalog>>,
    pub(crate) scripts: Vec<ScriptFile>,
    /// The record schema of the pack's subject.
    pub schema: Schema,
    /// The dimensions rules may be tagged with.
    pub dimensions: Dimensions,
}

impl Pack {
    /// The location of a spanned value in file `file`.
    pub(crate) fn loc<T>(&self, file: usize, spanned: &Spanned<T>) -> Location {
        let path = self.files.get(file).map_or("", |f| f.path.as_str());
        location(path, &spanned.referenced)
    }

    /// A diagnostic with the source line of its location attached.
    pub(crate) fn attach(&self, file: usize, diagnostic: Diagnostic) -> Diagnostic {
        match self.files.get(file) {
            Some(f) => diagnostic.with_line_of(f),
            None => diagnostic,
        }
    }

    /// What one record of this pack is.
    pub fn subject(&self) -> Subject {
        self.schema.subject
    }
}

/// Converts a serde-saphyr location into ours.
pub(crate) fn location(file: &str, loc: &serde_saphyr::Location) -> Location {
    Location {
        file: file.to_owned(),
        line: loc.line() as u32,
        column: loc.column() as u32,
        len: loc.span().len() as u32,
    }
}

/// A YAML syntax or format error as a diagnostic pointing at its place.
pub fn yaml_error(error: &serde_saphyr::Error, file: &str, text: &str) -> Diagnostic {
    let message = error.without_snippet().to_string();
    // serde-saphyr appends " at line X column Y"; our location says that already.
    let message = match message.find(" at line ") {
        Some(cut) => message[..cut].to_owned(),
        None => message,
    };
    let message = plain_yaml_message(message);
    let loc = error
        .location()
        .map_or_else(|| Location::file_only(file), |l| location(file, &l));
    let code = if message.contains("unknown field") {
        "unknown-key"
    } else {
        "yaml"
    };
    let mut diagnostic = Diagnostic::error(code, message, loc).with_source(text);
    if code == "unknown-key" {
        diagnostic = diagnostic
            .with_help("check the spelling; docs/policy-format.md lists every key of the format");
    }
    diagnostic
}

/// The YAML library's wording where it speaks of its own internals (type names, options,
/// budgets), in terms of the policy file.
fn plain_yaml_message(message: String) -> String {
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest
            .split(", set DuplicateKeyPolicy")
            .next()
            .unwrap_or(rest);
        return format!("the key `{key}` appears twice here; each key may be given once");
    }
    if message.contains("untagged enum NumOrName") {
        return "expected a number or the name of a param".into();
    }
    if message.contains("untagged enum Literal") {
        return "expected a number, text or true/false".into();
    }
    if message == "recursion limit exceeded" {
        return "the file has values nested too deep, beyond what a policy may hold".into();
    }
    if message.starts_with("multiple YAML documents") {
        return "the file holds more than one YAML document (a `---` line); a policy is one".into();
    }
    if let Some(budget) = message.strip_prefix("budget breached: ") {
        // Limits that keep a hostile file (an alias bomb, endless nesting) from exhausting memory.
        let what = if budget.starts_with("Nodes") {
            "more than 250,000 values (aliases counted as expanded)".to_owned()
        } else if budget.starts_with("Depth") {
            "values nested more than 64 levels deep".to_owned()
        } else if budget.starts_with("ScalarBytes") {
            "more than 100 MB of text in its values".to_owned()
        } else if budget.starts_with("Aliases") || budget.starts_with("Anchors") {
            "too many aliases or anchors".to_owned()
        } else {
            budget.to_owned()
        };
        return format!("the file has {what}, beyond what a policy may hold");
    }
    message
}

/// The policy.yaml of a pack given as a directory or as the file itself.
pub fn policy_file(path: &Path) -> PathBuf {
    if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
        path.to_path_buf()
    } else {
        path.join("policy.yaml")
    }
}

/// Loads the pack at `path` (its directory or its policy.yaml).
///
/// # Errors
///
/// [`LoadError::Io`] when the pack's `policy.yaml` cannot be read; [`LoadError::Invalid`] with
/// every problem found when it, a pack it extends or a script cannot be read or parsed (YAML
/// errors, unknown keys, an `extends:` outside the library).
pub fn load_pack(loader: &dyn Loader, path: &Path) -> Result<Pack, LoadError> {
    // `./policy.yaml` and `policy.yaml` are one file, named the second way in messages.
    let file = normalize(&policy_file(path));
    let dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let text = loader.read(&file).map_err(|source| {
        let path = file.display().to_string();
        if source.kind() == std::io::ErrorKind::InvalidData {
            // Readable, but not UTF-8 (say, saved as GBK): a problem with the pack, not I/O.
            let message =
                "the file is not UTF-8 text; save it as UTF-8 (in Notepad: 另存为, 编码 UTF-8)";
            LoadError::Invalid(vec![Diagnostic::error(
                "encoding",
                message,
                Location::file_only(&path),
            )])
        } else {
            LoadError::Io { path, source }
        }
    })?;
    let mut files = vec![SourceFile::new(file.display().to_string(), text)];
    let head = parse_policy(&files[0]).map_err(LoadError::Invalid)?;

    // The chain of ancestors, root last.
    let mut chain: Vec<(usize, RawPolicy, PathBuf)> = Vec::new();
    let mut diagnostics = Vec::new();
    let mut extends = Vec::new();
    let mut visited = vec![normalize(&dir)];
    let root = library_root(loader, &dir);
    let mut next = head.extends.clone().map(|e| (0usize, e, dir.clone()));
    while let Some((from_file, parent, from_dir)) = next.take() {
        let parent_dir = normalize(&from_dir.join(&parent.value));
        let parent_file = parent_dir.join("policy.yaml");
        let from = location(&files[from_file].path, &parent.referenced);
        // A pack shared between districts must not reach into the rest of the disk.
        let outside = if Path::new(&parent.value).is_absolute() {
            Some("is an absolute path")
        } else {
            // The folder and its policy.yaml, each with links followed: either may be a link.
            let outside = |path: &Path| {
                loader
                    .real_path(path)
                    .is_ok_and(|real| !real.starts_with(&root))
            };
            (outside(&parent_dir) || outside(&parent_file))
                .then_some("points outside the pack library")
        };
        if let Some(why) = outside {
            diagnostics.push(
                Diagnostic::error(
                    "extends-outside",
                    format!("`extends: {}` {why} ({})", parent.value, root.display()),
                    from,
                )
                .with_source(&files[from_file].text)
                .with_help("a pack extends only packs beside it (`../longwen-stars`) or in its project (the folder holding `schema/`)"),
            );
            break;
        }
        // A cycle is the same directory twice (written differently or not); the pack itself
        // counts as visited.
        if visited.len() > MAX_EXTENDS_DEPTH || visited.contains(&parent_dir) {
            diagnostics.push(
                Diagnostic::error(
                    "extends",
                    format!("`extends: {}` makes a cycle", parent.value),
                    from,
                )
                .with_source(&files[from_file].text),
            );
            break;
        }
        let text = match loader.read(&parent_file) {
            Ok(text) => text,
            Err(e) => {
                diagnostics.push(
                    Diagnostic::error("extends", format!("cannot read the extended pack {}: {e}", parent_file.display()), from)
                        .with_source(&files[from_file].text)
                        .with_help("`extends:` names a pack directory relative to this pack's directory, e.g. `../zhuzhou-wuhua-enterprise`"),
                );
                break;
            }
        };
        files.push(SourceFile::new(parent_file.display().to_string(), text));
        let index = files.len() - 1;
        match parse_policy(&files[index]) {
            Ok(raw) => {
                extends.push(parent.value.clone());
                visited.push(parent_dir.clone());
                next = raw.extends.clone().map(|e| (index, e, parent_dir.clone()));
                chain.push((index, raw, parent_dir));
            }
            Err(d) => {
                diagnostics.extend(d);
                break;
            }
        }
    }
    if !diagnostics.is_empty() {
        return Err(LoadError::Invalid(diagnostics));
    }

    let subject =
        resolve_subject(&files, &head, &chain).map_err(|d| LoadError::Invalid(vec![d]))?;
    let schema = find_schema(loader, &dir, subject).map_err(LoadError::Invalid)?;
    let dimensions = find_dimensions(loader, &dir).map_err(|d| LoadError::Invalid(vec![d]))?;

    let mut pack = Pack {
        dir: dir.clone(),
        files,
        head,
        extends,
        fields: Vec::new(),
        own_fields: Vec::new(),
        params: IndexMap::new(),
        categories: IndexMap::new(),
        rules: Vec::new(),
        bands: None,
        grades: IndexMap::new(),
        ranking: None,
        catalog: None,
        budget: None,
        group_rules: Vec::new(),
        scripts: Vec::new(),
        schema,
        dimensions,
    };
    // Apply the root first, then each descendant, so nearer packs override.
    let mut layers: Vec<(usize, RawPolicy, PathBuf)> = chain.into_iter().rev().collect();
    let own = std::mem::replace(&mut pack.head, empty_policy());
    layers.push((0, own, dir));
    let mut head = None;
    for (file, mut raw, layer_dir) in layers {
        merge_layer(&mut pack, file, &mut raw);
        for script in loader
            .list(&layer_dir.join("scripts"), "rhai")
            .map_err(|source| LoadError::Io {
                path: layer_dir.join("scripts").display().to_string(),
                source,
            })?
        {
            // A script linked to a file outside its pack (or a `scripts/` folder that is a
            // link out of it) is refused.
            let pack_dir = loader.real_path(&layer_dir);
            let real = loader.real_path(&script);
            if let (Ok(pack_dir), Ok(real)) = (pack_dir, real)
                && !real.starts_with(pack_dir.join("scripts"))
            {
                let origin = script.display().to_string();
                return Err(LoadError::Invalid(vec![
                    Diagnostic::error(
                        "script-outside",
                        format!(
                            "script {origin} is a link to {}, outside the pack's scripts/ folder",
                            real.display()
                        ),
                        Location::file_only(&origin),
                    )
                    .with_help("copy the script into the pack instead of linking to it"),
                ]));
            }
            let text = loader.read(&script).map_err(|source| LoadError::Io {
                path: script.display().to_string(),
                source,
            })?;
            pack.files
                .push(SourceFile::new(script.display().to_string(), text));
            pack.scripts.push(ScriptFile {
                file: pack.files.len() - 1,
            });
        }
        head = Some(raw);
    }
    if let Some(head) = head {
        pack.head = head;
    }
    Ok(pack)
}

/// The policy in `file`, or every shape problem of it (not only the first serde meets).
fn parse_policy(file: &SourceFile) -> Result<RawPolicy, Vec<Diagnostic>> {
    serde_saphyr::from_str(&file.text).map_err(|e| {
        shape::problems(
            &file.text,
            &file.path,
            yaml_error(&e, &file.path, &file.text),
        )
    })
}

/// The pack's subject: its own, or the nearest ancestor's.
fn resolve_subject(
    files: &[SourceFile],
    head: &RawPolicy,
    chain: &[(usize, RawPolicy, PathBuf)],
) -> Result<Subject, Diagnostic> {
    let written = std::iter::once((0, head))
        .chain(chain.iter().map(|(i, raw, _)| (*i, raw)))
        .find_map(|(i, raw)| raw.subject.as_ref().map(|s| (i, s)));
    match written {
        None => Err(Diagnostic::error(
            "missing-key",
            "the policy has no `subject` (member, organization or dossier)",
            Location {
                file: files[0].path.clone(),
                line: 1,
                column: 1,
                len: 1,
            },
        )
        .with_source(&files[0].text)
        .with_help(
            "add `subject: member`, `subject: organization` or `subject: dossier` at the top level",
        )),
        Some((_, s)) if s.value == "member" => Ok(Subject::Member),
        Some((_, s)) if s.value == "organization" => Ok(Subject::Organization),
        Some((_, s)) if s.value == "dossier" => Ok(Subject::Dossier),
        Some((i, s)) => Err(Diagnostic::error(
            "subject",
            format!("unknown subject `{}`", s.value),
            location(&files[i].path, &s.referenced),
        )
        .with_source(&files[i].text)
        .with_help(
            "a subject is `member` (党员), `organization` (党组织) or `dossier` (发展党员档案)",
        )),
    }
}

/// Adds one layer's items, overriding earlier layers' items of the same id.
fn merge_layer(pack: &mut Pack, file: usize, raw: &mut RawPolicy) {
    let mut declared = Vec::new();
    for entry in raw.fields.drain(..) {
        let field = match entry.value {
            RawFieldEntry::Id(id) => Spanned::new(id, entry.referenced, entry.defined),
            RawFieldEntry::Declared(own) => {
                let id = own.id.clone();
                declared.push(*own);
                id
            }
        };
        if !pack.fields.iter().any(|f| f.item.value == field.value) {
            pack.fields.push(At { file, item: field });
        }
    }
    override_by_id(&mut pack.own_fields, file, declared.into_iter(), |f| {
        &f.id.value
    });
    for (key, param) in raw.params.drain(..) {
        pack.params.insert(
            key.value.clone(),
            At {
                file,
                item: (key, param),
            },
        );
    }
    for (key, category) in raw.categories.drain(..) {
        pack.categories.insert(
            key.value.clone(),
            At {
                file,
                item: (key, category),
            },
        );
    }
    override_by_id(&mut pack.rules, file, raw.rules.drain(..), |r| &r.id.value);
    if let Some(bands) = raw.bands.take() {
        pack.bands = Some(At { file, item: bands });
    }
    for (key, grade) in raw.grades.drain(..) {
        pack.grades.insert(
            key.value.clone(),
            At {
                file,
                item: (key, grade),
            },
        );
    }
    if let Some(ranking) = raw.ranking.take() {
        pack.ranking = Some(At {
            file,
            item: ranking,
        });
    }
    if let Some(budget) = raw.budget.take() {
        pack.budget = Some(At { file, item: budget });
    }
    // A catalog is replaced whole: items of two catalogs merged by id could fill a field
    // twice, and a parent's caps would silently apply to the child's items.
    if let Some(catalog) = raw.catalog.take() {
        pack.catalog = Some(At {
            file,
            item: catalog,
        });
    }
    override_by_id(
        &mut pack.group_rules,
        file,
        raw.group_rules.drain(..),
        |r| &r.id.value,
    );
}

/// Adds one layer's items to a list: an item with the id of an inherited one replaces it in
/// place, others are appended; same-file duplicates are left for validate to report.
fn override_by_id<T>(
    list: &mut Vec<At<T>>,
    file: usize,
    items: impl Iterator<Item = T>,
    id: fn(&T) -> &String,
) {
    for item in items {
        match list
            .iter()
            .position(|r| id(&r.item) == id(&item) && r.file != file)
        {
            Some(i) => list[i] = At { file, item },
            None => list.push(At { file, item }),
        }
    }
}

fn empty_policy() -> RawPolicy {
    RawPolicy {
        id: Spanned::new(
            String::new(),
            serde_saphyr::Location::UNKNOWN,
            serde_saphyr::Location::UNKNOWN,
        ),
        name: String::new(),
        region: String::new(),
        source: String::new(),
        subject: None,
        version: String::new(),
        effective: String::new(),
        effective_source: None,
        effective_assumed: false,
        extends: None,
        fields: Vec::new(),
        params: IndexMap::new(),
        rules: Vec::new(),
        categories: IndexMap::new(),
        bands: None,
        grades: IndexMap::new(),
        ranking: None,
        catalog: None,
        budget: None,
        group_rules: Vec::new(),
    }
}

/// The folder a pack's `extends:` may reach into, with links resolved: its project (the
/// nearest of the pack's folder and the three above it that holds a `schema/` folder of
/// dictionaries, where the schema is found too) or, outside a project, the folder the pack sits
/// in, so it can extend the packs beside it and nothing else.
fn library_root(loader: &dyn Loader, pack_dir: &Path) -> PathBuf {
    // From the real folder: a pack given as `.` still finds its project above.
    let dir = loader
        .real_path(pack_dir)
        .unwrap_or_else(|_| normalize(pack_dir));
    let project = dir.ancestors().take(4).find(|dir| {
        loader
            .list(&dir.join("schema"), "yaml")
            .is_ok_and(|files| !files.is_empty())
    });
    match project {
        Some(project) => project.to_path_buf(),
        None => dir.parent().map(Path::to_path_buf).unwrap_or(dir),
    }
}

/// The first of `relative` found in the pack's directory or one of the three above it. The
/// folders above are reached with `..`, not by cutting the path, so a pack given as `.` (or as
/// `policy.yaml`) finds the same `schema/` as one given as `policies/x`, named relative to where
/// the command runs.
fn find_above(loader: &dyn Loader, pack_dir: &Path, relative: &Path) -> Option<PathBuf> {
    let mut dir = pack_dir.to_path_buf();
    for _ in 0..4 {
        let candidate = normalize(&dir.join(relative));
        if loader.is_file(&candidate) {
            return Some(candidate);
        }
        dir = normalize(&dir.join(".."));
    }
    None
}

/// The dimension list: `schema/dimensions.yaml` above the pack, else the built-in one.
pub(crate) fn find_dimensions(
    loader: &dyn Loader,
    pack_dir: &Path,
) -> Result<Dimensions, Diagnostic> {
    let Some(path) = find_above(loader, pack_dir, Path::new("schema/dimensions.yaml")) else {
        return Ok(Dimensions::builtin());
    };
    let origin = path.display().to_string();
    let text = loader.read(&path).map_err(|e| {
        Diagnostic::error(
            "dimensions",
            format!("cannot read {origin}: {e}"),
            Location::file_only(&origin),
        )
    })?;
    Dimensions::parse(&text, &origin)
}

/// The schema for `subject`: `schema/<subject>.yaml` in the pack's directory or one of the
/// three above it (a repository's `schema/` beside `policies/`), else the built-in one.
pub(crate) fn find_schema(
    loader: &dyn Loader,
    pack_dir: &Path,
    subject: Subject,
) -> Result<Schema, Vec<Diagnostic>> {
    let Some(path) = find_above(
        loader,
        pack_dir,
        &Path::new("schema").join(format!("{subject}.yaml")),
    ) else {
        return Ok(Schema::builtin(subject));
    };
    let origin = path.display().to_string();
    let text = loader.read(&path).map_err(|e| {
        vec![Diagnostic::error(
            "schema",
            format!("cannot read {origin}: {e}"),
            Location::file_only(&origin),
        )]
    })?;
    Schema::parse(&text, &origin)
}

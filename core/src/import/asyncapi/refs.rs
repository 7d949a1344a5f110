//! `$ref` resolution: JSON pointers within a document and into relative
//! files on disk (`../common/messages.yaml#/commentLiked`). Remote
//! references (http, https, any URL) are never fetched. Chains are followed
//! at most [`MAX_REF_DEPTH`] deep and a reference that comes back to a place
//! already on its chain stops with a warning, so cycles terminate.
//!
//! References are resolved lazily, only where the importer looks (channels,
//! messages, operations), so a cycle inside a payload schema costs nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_json::Value;

use super::super::draft::Draft;
use super::super::inputs::{MAX_FILES, read_text};
use super::super::{Location, tree};

/// Longest chain of references followed.
pub(crate) const MAX_REF_DEPTH: usize = 32;

/// A document read into a tree, with its text for locating things in it.
#[derive(Debug)]
pub(crate) struct Doc {
    /// How messages name it.
    pub origin: String,
    /// The file it came from (none: pasted text).
    pub path: Option<PathBuf>,
    /// Its text.
    pub text: String,
    /// Its tree.
    pub root: Value,
}

impl Doc {
    /// Where `needle` first appears in the text.
    pub(crate) fn locate(&self, needle: &str) -> Location {
        Location::maybe(&self.origin, tree::locate(&self.text, needle))
    }
}

/// A place in a document: the document and a JSON pointer into it.
#[derive(Clone, Debug)]
pub(crate) struct At {
    /// The document.
    pub doc: Rc<Doc>,
    /// An escaped JSON pointer (`""` is the whole document).
    pub ptr: String,
}

impl At {
    /// The root of a document.
    pub(crate) fn root(doc: &Rc<Doc>) -> At {
        At {
            doc: Rc::clone(doc),
            ptr: String::new(),
        }
    }

    /// The value here, if there is one.
    pub(crate) fn value(&self) -> Option<&Value> {
        self.doc.root.pointer(&self.ptr)
    }

    /// The member `key` of the object here.
    pub(crate) fn child(&self, key: &str) -> At {
        At {
            doc: Rc::clone(&self.doc),
            ptr: format!("{}/{}", self.ptr, key.replace('~', "~0").replace('/', "~1")),
        }
    }

    /// Item `index` of the array here.
    pub(crate) fn item(&self, index: usize) -> At {
        At {
            doc: Rc::clone(&self.doc),
            ptr: format!("{}/{index}", self.ptr),
        }
    }

    /// The last member name of the pointer, unescaped (`turnOnOff` for
    /// `/components/messages/turnOnOff`).
    pub(crate) fn last_segment(&self) -> Option<String> {
        let last = self.ptr.rsplit('/').next()?;
        (!self.ptr.is_empty()).then(|| last.replace("~1", "/").replace("~0", "~"))
    }

    /// The member names of the object here, in order.
    pub(crate) fn keys(&self) -> Vec<String> {
        self.value()
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The string member `key` of the object here.
    pub(crate) fn str(&self, key: &str) -> Option<&str> {
        self.value()?.get(key)?.as_str()
    }
}

/// What a reference (chain) led to.
#[derive(Clone, Debug)]
pub(crate) struct Resolved {
    /// The place reached.
    pub at: At,
    /// The last member name of the last reference followed, if any: the
    /// component's key (`turnOnOff` for `#/components/messages/turnOnOff`).
    pub ref_name: Option<String>,
}

/// Documents read so far, by canonical path, and the references already warned about.
#[derive(Debug, Default)]
pub(crate) struct Refs {
    files: BTreeMap<PathBuf, Rc<Doc>>,
    warned: BTreeSet<String>,
}

impl Refs {
    /// Registers a document already read, so references to its file reuse it.
    pub(crate) fn add(&mut self, doc: &Rc<Doc>) {
        if let Some(path) = &doc.path {
            let key = path.canonicalize().unwrap_or_else(|_| path.clone());
            self.files.entry(key).or_insert_with(|| Rc::clone(doc));
        }
    }

    fn warn_once(&mut self, draft: &mut Draft, at: Location, message: String) {
        if self.warned.insert(format!("{at}{message}")) {
            draft.warn(at, message);
        }
    }

    /// Follows `$ref`s from `at` to a value that is not a reference. `None`
    /// when a reference is remote, broken or circular (each warned about) or
    /// when there is nothing at `at`.
    pub(crate) fn resolve(&mut self, at: &At, draft: &mut Draft) -> Option<Resolved> {
        let mut here = at.clone();
        let mut ref_name = None;
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        for _ in 0..MAX_REF_DEPTH {
            let reference = match here.value()? {
                Value::Object(object) => object.get("$ref").and_then(Value::as_str),
                _ => None,
            };
            let Some(reference) = reference else {
                return Some(Resolved { at: here, ref_name });
            };
            let reference = reference.to_string();
            if !seen.insert((here.doc.origin.clone(), here.ptr.clone())) {
                let location = here.doc.locate(&reference);
                self.warn_once(
                    draft,
                    location,
                    format!(
                        "`$ref: {reference}` is circular: it leads back to itself; it is left out"
                    ),
                );
                return None;
            }
            let target = self.target(&here, &reference, draft)?;
            ref_name = target.last_segment().or_else(|| {
                target
                    .doc
                    .path
                    .as_deref()
                    .and_then(Path::file_stem)
                    .map(|s| s.to_string_lossy().into_owned())
            });
            here = target;
        }
        let location = here.doc.locate("$ref");
        self.warn_once(
            draft,
            location,
            format!("a chain of more than {MAX_REF_DEPTH} `$ref`s was cut short here"),
        );
        None
    }

    /// The place one reference names.
    fn target(&mut self, from: &At, reference: &str, draft: &mut Draft) -> Option<At> {
        // Finding a position scans the text: only done for a warning.
        let location = || from.doc.locate(reference);
        if reference.contains("://") || reference.starts_with("//") {
            self.warn_once(
                draft,
                location(),
                format!(
                    "`$ref: {reference}` is remote: Stormflow never fetches from the network; \
                     save the file beside the document and refer to it by a relative path"
                ),
            );
            return None;
        }
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let doc = if file.is_empty() {
            Rc::clone(&from.doc)
        } else {
            self.load(&from.doc, file, &location, draft)?
        };
        let ptr = percent_decode(fragment);
        if !ptr.is_empty() && !ptr.starts_with('/') {
            self.warn_once(
                draft,
                location(),
                format!(
                    "`$ref: {reference}` names a place by an anchor, not a JSON pointer \
                     (`#/components/...`); it is left out"
                ),
            );
            return None;
        }
        if doc.root.pointer(&ptr).is_none() {
            self.warn_once(
                draft,
                location(),
                format!(
                    "`$ref: {reference}` points at nothing in {}; it is left out",
                    doc.origin
                ),
            );
            return None;
        }
        Some(At { doc, ptr })
    }

    /// The document in `file`, relative to the document `from`.
    fn load(
        &mut self,
        from: &Doc,
        file: &str,
        location: &dyn Fn() -> Location,
        draft: &mut Draft,
    ) -> Option<Rc<Doc>> {
        let Some(base) = &from.path else {
            self.warn_once(
                draft,
                location(),
                format!(
                    "`{file}` is relative to a file, and pasted text has none: import the \
                     document from its folder to follow it"
                ),
            );
            return None;
        };
        let joined = base.parent().unwrap_or(Path::new(".")).join(file);
        let Ok(canonical) = joined.canonicalize() else {
            self.warn_once(
                draft,
                location(),
                format!("`{file}` was not found (looked for {})", joined.display()),
            );
            return None;
        };
        if let Some(doc) = self.files.get(&canonical) {
            return Some(Rc::clone(doc));
        }
        if self.files.len() >= MAX_FILES {
            self.warn_once(
                draft,
                location(),
                format!("`{file}` was not read: an import reads at most {MAX_FILES} files"),
            );
            return None;
        }
        let origin = joined.display().to_string();
        let parsed = read_text(&canonical, &origin)
            .and_then(|text| tree::parse(&text, &origin).map(|root| (text, root)));
        match parsed {
            Ok((text, root)) => {
                let doc = Rc::new(Doc {
                    origin,
                    path: Some(canonical.clone()),
                    text,
                    root,
                });
                self.files.insert(canonical, Rc::clone(&doc));
                Some(doc)
            }
            Err(error) => {
                self.warn_once(
                    draft,
                    location(),
                    format!("`{file}` could not be read: {error}"),
                );
                None
            }
        }
    }
}

/// Decodes `%XX` escapes of a URI fragment (invalid escapes are kept as written).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Rc<Doc> {
        Rc::new(Doc {
            origin: "doc.yaml".into(),
            path: None,
            text: text.into(),
            root: tree::parse(text, "doc.yaml").expect("valid"),
        })
    }

    #[test]
    fn a_chain_of_references_resolves_and_names_the_last_component() {
        let d = doc(
            "a:\n  $ref: '#/b'\nb:\n  $ref: '#/components/messages/turnOnOff'\ncomponents:\n  messages:\n    turnOnOff:\n      title: T\n",
        );
        let mut draft = Draft::default();
        let resolved = Refs::default()
            .resolve(&At::root(&d).child("a"), &mut draft)
            .expect("resolves");
        assert_eq!(resolved.at.str("title"), Some("T"));
        assert_eq!(resolved.ref_name.as_deref(), Some("turnOnOff"));
    }

    #[test]
    fn a_circular_reference_stops_with_a_warning() {
        let d = doc("a:\n  $ref: '#/b'\nb:\n  $ref: '#/a'\n");
        let mut draft = Draft::default();
        assert!(
            Refs::default()
                .resolve(&At::root(&d).child("a"), &mut draft)
                .is_none()
        );
        let imported = draft.finish().expect("empty board");
        assert!(
            imported.warnings[0].message.contains("circular"),
            "{:?}",
            imported.warnings
        );
    }

    #[test]
    fn a_remote_reference_is_not_fetched() {
        let d = doc("a:\n  $ref: 'https://example.com/x.yaml#/m'\n");
        let mut draft = Draft::default();
        assert!(
            Refs::default()
                .resolve(&At::root(&d).child("a"), &mut draft)
                .is_none()
        );
        let imported = draft.finish().expect("empty board");
        assert!(imported.warnings[0].message.contains("remote"));
        assert_eq!(imported.warnings[0].at.line, Some(2));
    }

    #[test]
    fn escaped_pointers_reach_keys_with_slashes() {
        let d =
            doc("channels:\n  user/signedup:\n    x: 1\nr:\n  $ref: '#/channels/user~1signedup'\n");
        let mut draft = Draft::default();
        let resolved = Refs::default()
            .resolve(&At::root(&d).child("r"), &mut draft)
            .expect("resolves");
        assert_eq!(resolved.ref_name.as_deref(), Some("user/signedup"));
        assert_eq!(At::root(&d).child("channels").keys(), vec!["user/signedup"]);
    }

    #[test]
    fn percent_escapes_decode() {
        assert_eq!(percent_decode("/a%20b/%7E"), "/a b/~");
        assert_eq!(percent_decode("/bad%2"), "/bad%2");
    }
}

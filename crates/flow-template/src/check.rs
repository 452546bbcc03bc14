//! The template checker: resolves root names to slots and infers types, reporting unknown
//! names, unknown fields and type mismatches with their exact range.

use crate::ast::{Anchor, DataVar, Expr, Part, Path, Slot, Template};
use crate::{ErrorKind, TemplateError};
use flow_model::Type;
use flow_model::suggest;
use flow_model::types::FieldLookup;

/// The root names a template may use, with their types.
pub trait TypeScope {
    /// Resolves a root name (a step id, `trigger`, `inputs`, ...).
    fn resolve(&self, name: &str) -> Result<(Slot, Type), NameError>;
}

/// Why a root name did not resolve.
#[derive(Debug, Clone, PartialEq)]
pub struct NameError {
    /// The kind of problem (unknown, forward reference, item outside a list).
    pub kind: ErrorKind,
    /// The message.
    pub message: String,
    /// A hint ("did you mean").
    pub help: Option<String>,
}

struct Checker<'s> {
    scope: &'s dyn TypeScope,
    errors: Vec<TemplateError>,
    slots: Vec<Slot>,
    /// Types of `this` for each enclosing `#each`/`#with`, innermost last.
    frames: Vec<Type>,
    /// Whether each frame is an `#each` (which sets `@index`).
    each: Vec<bool>,
}

impl Template {
    /// Resolves names and infers the template's type: the expression's type for a single
    /// `{{ expression }}`, otherwise `text`. All problems are returned together.
    pub fn check(&mut self, scope: &dyn TypeScope) -> Result<Type, Vec<TemplateError>> {
        let mut c = Checker {
            scope,
            errors: std::mem::take(&mut self.deferred),
            slots: Vec::new(),
            frames: Vec::new(),
            each: Vec::new(),
        };
        let single = self.is_single();
        let mut ty = Type::Text;
        for part in &mut self.parts {
            let t = c.part(part);
            if single {
                ty = t;
            }
        }
        c.slots.sort();
        c.slots.dedup();
        self.slots = c.slots;
        if c.errors.is_empty() {
            Ok(ty)
        } else {
            Err(c.errors)
        }
    }
}

impl Checker<'_> {
    fn parts(&mut self, parts: &mut [Part]) {
        for p in parts {
            self.part(p);
        }
    }

    /// Checks a part; for an output part returns its expression's type.
    fn part(&mut self, part: &mut Part) -> Type {
        match part {
            Part::Text(_) => Type::Text,
            Part::Out { expr, .. } => self.expr(expr),
            Part::If {
                cond,
                then,
                otherwise,
                ..
            } => {
                self.expr(cond);
                self.parts(then);
                self.parts(otherwise);
                Type::Text
            }
            Part::Each {
                list,
                body,
                otherwise,
            } => {
                let t = self.expr(list);
                let item = match &t {
                    Type::List(item) => (**item).clone(),
                    Type::Any | Type::Object(_) | Type::Null => Type::Any,
                    other => {
                        self.errors.push(TemplateError::new(
                            ErrorKind::Type,
                            list.range(),
                            format!("`#each` needs a list, found {other}"),
                        ));
                        Type::Any
                    }
                };
                self.frames.push(item);
                self.each.push(true);
                self.parts(body);
                self.frames.pop();
                self.each.pop();
                self.parts(otherwise);
                Type::Text
            }
            Part::With {
                value,
                body,
                otherwise,
            } => {
                let t = self.expr(value);
                self.frames.push(t);
                self.each.push(false);
                self.parts(body);
                self.frames.pop();
                self.each.pop();
                self.parts(otherwise);
                Type::Text
            }
        }
    }

    fn expr(&mut self, expr: &mut Expr) -> Type {
        match expr {
            Expr::Lit(v, _) => Type::of_value(v),
            Expr::Path(p) => self.path(p).unwrap_or(Type::Any),
            Expr::Call {
                helper,
                args,
                range,
            } => {
                let types: Vec<Type> = args.iter_mut().map(|a| self.expr(a)).collect();
                match (helper.check)(&types) {
                    Ok(t) => t,
                    Err((i, msg)) => {
                        let r = args.get(i).map_or(range.clone(), |a| {
                            let r = a.range();
                            if r.is_empty() { range.clone() } else { r }
                        });
                        self.errors.push(
                            TemplateError::new(
                                ErrorKind::Type,
                                r,
                                format!("`{}` {msg}", helper.name),
                            )
                            .help(Some(format!("usage: {}", helper.usage))),
                        );
                        Type::Any
                    }
                }
            }
        }
    }

    fn path(&mut self, p: &mut Path) -> Option<Type> {
        let mut ty = match &p.anchor {
            Anchor::Name(name) => match self.scope.resolve(name) {
                Ok((slot, ty)) => {
                    self.slots.push(slot);
                    p.anchor = Anchor::Slot(slot);
                    ty
                }
                Err(e) => {
                    let end = p.range.start + name.len().min(p.range.len());
                    self.errors.push(
                        TemplateError::new(e.kind, p.range.start..end, e.message).help(e.help),
                    );
                    return None;
                }
            },
            Anchor::Slot(slot) => {
                // Checked before (a template checked twice keeps its resolution).
                self.slots.push(*slot);
                return Some(Type::Any);
            }
            Anchor::This(up) => {
                let idx = self.frames.len().checked_sub(1 + *up as usize)?;
                self.frames[idx].clone()
            }
            Anchor::Data(var) => {
                if !self.each.last().copied().unwrap_or(false) {
                    self.errors.push(TemplateError::new(
                        ErrorKind::Syntax,
                        p.range.clone(),
                        format!("`{}` is only set directly inside `{{{{#each}}}}`", p.text),
                    ));
                    return None;
                }
                match var {
                    DataVar::Index => Type::Number,
                    DataVar::First | DataVar::Last => Type::Boolean,
                    DataVar::Key => Type::Text,
                }
            }
        };
        let mut walked = match &p.anchor {
            Anchor::This(_) => "this".to_string(),
            _ => p.text.split(['.', '/']).next().unwrap_or("").to_string(),
        };
        let mut search_from = 0;
        for seg in &p.segs {
            let seg_range = segment_range(&p.text, seg, &mut search_from)
                .map_or(p.range.clone(), |r| {
                    p.range.start + r.start..p.range.start + r.end
                });
            match ty.field(seg) {
                FieldLookup::Found(t) => ty = t,
                FieldLookup::Missing(names) => {
                    self.errors.push(
                        TemplateError::new(
                            ErrorKind::UnknownField,
                            seg_range,
                            format!("`{walked}` has no field `{seg}`"),
                        )
                        .help(suggest::hint(seg, names.iter()).or_else(
                            || {
                                (!names.is_empty())
                                    .then(|| format!("its fields are: {}", names.join(", ")))
                            },
                        )),
                    );
                    return None;
                }
                FieldLookup::NotAnObject => {
                    let help = if matches!(p.anchor, Anchor::This(_)) && !self.frames.is_empty() {
                        Some("inside `#each` and `#with`, names are fields of `this`; write `@root.step.field` to read a step".to_string())
                    } else {
                        None
                    };
                    self.errors.push(
                        TemplateError::new(
                            ErrorKind::UnknownField,
                            seg_range,
                            format!("`{walked}` is {ty}; it has no field `{seg}`"),
                        )
                        .help(help),
                    );
                    return None;
                }
            }
            walked.push('.');
            walked.push_str(seg);
        }
        Some(ty)
    }
}

/// The range of `seg` in `text`, searching after the previous segment.
fn segment_range(text: &str, seg: &str, from: &mut usize) -> Option<std::ops::Range<usize>> {
    let pos = text.get(*from..)?.find(seg)? + *from;
    *from = pos + seg.len();
    Some(pos..pos + seg.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Escape;

    struct Scope;
    impl TypeScope for Scope {
        fn resolve(&self, name: &str) -> Result<(Slot, Type), NameError> {
            match name {
                "event" => Ok((
                    Slot(1),
                    Type::object([("title", Type::Text), ("users", Type::list(Type::Text))]),
                )),
                "user" => Ok((Slot(2), Type::open_object([("id", Type::Text)]))),
                _ => Err(NameError {
                    kind: ErrorKind::UnknownName,
                    message: format!("unknown step `{name}`"),
                    help: suggest::hint(name, ["event", "user"]),
                }),
            }
        }
    }

    fn check(src: &str) -> Result<Type, Vec<TemplateError>> {
        Template::parse(src, Escape::None).unwrap().check(&Scope)
    }

    #[test]
    fn infers_types() {
        assert_eq!(check("{{ event.users }}").unwrap(), Type::list(Type::Text));
        assert_eq!(check("{{ len event.users }}").unwrap(), Type::Number);
        assert_eq!(check("Hi {{ event.title }}").unwrap(), Type::Text);
        assert_eq!(check("{{ user.anything }}").unwrap(), Type::Any);
        assert_eq!(
            check("{{#each event.users}}{{this}} {{@index}}{{/each}}").unwrap(),
            Type::Text
        );
    }

    #[test]
    fn reports_names_and_fields_with_ranges() {
        let errs = check("Hi {{ evnt.title }}").unwrap_err();
        assert_eq!(errs[0].kind, ErrorKind::UnknownName);
        assert_eq!(errs[0].range, 6..10);
        assert_eq!(errs[0].help.as_deref(), Some("did you mean `event`?"));
        let errs = check("{{ event.titel }}").unwrap_err();
        assert_eq!(errs[0].kind, ErrorKind::UnknownField);
        assert_eq!(errs[0].range, 9..14);
        assert_eq!(errs[0].help.as_deref(), Some("did you mean `title`?"));
        let errs = check("{{ event.title.x }}").unwrap_err();
        assert_eq!(
            errs[0].message,
            "`event.title` is text; it has no field `x`"
        );
    }

    #[test]
    fn reports_type_errors() {
        let errs = check("{{ join event.title \", \" }}").unwrap_err();
        assert_eq!(errs[0].kind, ErrorKind::Type);
        assert_eq!(errs[0].range, 8..19);
        let errs = check("{{#each event.title}}x{{/each}}").unwrap_err();
        assert_eq!(errs[0].kind, ErrorKind::Type);
        let errs = check("{{#each event.users}}{{ event.title }}{{/each}}").unwrap_err();
        assert!(errs[0].help.as_deref().unwrap().contains("@root"));
    }

    #[test]
    fn collects_all_errors() {
        let errs = check("{{ a }} {{ b }} {{ event.nope }}").unwrap_err();
        assert_eq!(errs.len(), 3);
    }

    /// An unknown helper or a wrong number of arguments does not hide the unknown names in the
    /// same template (issue 13 item 6: an E0209 hid an E0203 until it was fixed).
    #[test]
    fn a_call_that_cannot_be_made_does_not_hide_the_names_in_it() {
        let errs = check("{{ uper nope }} {{ eq event.title }} {{ missing }}").unwrap_err();
        let got: Vec<(ErrorKind, std::ops::Range<usize>)> =
            errs.iter().map(|e| (e.kind, e.range.clone())).collect();
        assert_eq!(
            got,
            vec![
                (ErrorKind::Helper, 3..7),
                (ErrorKind::Helper, 19..33),
                (ErrorKind::UnknownName, 8..12),
                (ErrorKind::UnknownName, 40..47),
            ]
        );
    }
}

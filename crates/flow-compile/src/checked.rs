//! The one way from files to a runnable project: load, compile, and refuse on any error.
//!
//! Problems found while *reading* files (YAML syntax, unknown keys, bad values, `${env:…}` that
//! cannot be resolved) and problems found while *compiling* (unknown steps, types, ...) are both
//! errors of the project: [`load_checked`] gathers them into one list and returns a project only
//! when that list holds no error. Warnings travel with the project.

use crate::loader::{LoadOptions, load};
use crate::plan::Project;
use flow_card::Registry;
use flow_model::render::render_all;
use flow_model::{Diagnostics, Sources};
use std::fmt;

/// A project that loaded and compiled without errors.
pub struct Checked {
    /// The compiled project.
    pub project: Project,
    /// The warnings found on the way (no errors), sorted by file and position.
    pub warnings: Diagnostics,
}

/// Diagnostics with at least one error, and the files they point into: why a project was
/// refused. `Display` renders them (with a summary line) the way `flowctl validate` prints them.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// Every diagnostic (errors and warnings), sorted by file and position.
    pub diags: Diagnostics,
    /// The files read, so the diagnostics can show their lines.
    pub sources: Sources,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(render_all(self.diags.iter(), &self.sources).trim_end())
    }
}

impl std::error::Error for Rejected {}

/// Combines the diagnostics of reading (`diags`) with a compile result: the project when no
/// diagnostic is an error, else everything that was found.
pub fn check(
    mut diags: Diagnostics,
    result: (Result<Project, Sources>, Diagnostics),
) -> Result<Checked, Rejected> {
    let (result, more) = result;
    diags.extend(more);
    diags.sort();
    match result {
        Ok(project) if !diags.has_errors() => Ok(Checked {
            project,
            warnings: diags,
        }),
        Ok(project) => Err(Rejected {
            diags,
            sources: project.sources,
        }),
        Err(sources) => Err(Rejected { diags, sources }),
    }
}

/// Loads the project's files and compiles them. Any error, from reading or from compiling,
/// refuses the whole project.
pub fn load_checked(opts: &LoadOptions, registry: &Registry) -> Result<Checked, Rejected> {
    let loaded = load(opts);
    let compiled = crate::compile(loaded.sources, loaded.config, loaded.docs, registry);
    check(loaded.diags, compiled)
}

//! The compiler: every diagnostic with its exact position, and properties of compiling.
//!
//! One test binary for the whole directory (one link step); each file is a module.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod diagnostics;
mod props;

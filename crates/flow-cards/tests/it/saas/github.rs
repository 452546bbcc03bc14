//! `github.*` against its recorded shapes.

use super::*;

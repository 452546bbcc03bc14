//! `google_workspace.*` against its recorded shapes.

use super::*;

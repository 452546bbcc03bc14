//! `jamf.*` against its recorded shapes.

use super::*;

//! `salesforce.*` against its recorded shapes.

use super::*;

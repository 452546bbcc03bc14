//! `pagerduty.*` against its recorded shapes.

use super::*;

//! One module per subcommand.

pub mod cards;
pub mod graph;
pub mod history;
pub mod import;
pub mod replay;
pub mod run;
pub mod schema;
pub mod serve;
pub mod table;
pub mod test;
pub mod validate;

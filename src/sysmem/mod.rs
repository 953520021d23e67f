//! `fuchsia.sysmem2` buffer collections. (Work in progress.)

pub mod messages;
pub mod types;

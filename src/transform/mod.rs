//! The edits render makes, one file per kind of object.

pub mod gateway;
pub mod ingress;
pub mod network_policy;
pub mod service;

use crate::error::Result;
use crate::render::Plan;

/// Runs every transform over the stream, in a fixed order.
pub fn apply_all(plan: &mut Plan) -> Result<()> {
    service::apply(plan)?;
    ingress::apply(plan)?;
    gateway::apply(plan)?;
    network_policy::apply(plan)?;
    Ok(())
}

/// `+3 annotations`, `-1 L7 annotation`: a count with its noun, plural when needed.
pub fn counted(sign: &str, n: usize, noun: &str, suffix: &str) -> String {
    let plural = if n == 1 { "" } else { "s" };
    format!("{sign}{n} {noun}{plural}{suffix}")
}

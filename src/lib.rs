//! spaces-expose: rewrites rendered Kubernetes manifests so that Upbound Spaces is
//! reached over a Layer-4 path (a Network Load Balancer, or an Ingress or Gateway in
//! TLS passthrough), and lints them.
//!
//! The library never prints: it returns output, reports and errors, and `main`
//! decides what goes to stdout (the manifests Helm reads) and stderr.

pub mod catalog;
pub mod cli;
pub mod config;
pub mod diff;
pub mod error;
pub mod export;
pub mod guide;
pub mod manifest;
pub mod presets;
pub mod render;
pub mod report;
pub mod router;
pub mod rules;
pub mod stream;
pub mod values;
pub mod yaml;

pub use config::Config;
pub use error::{Error, Result};
pub use render::{Rendered, Report, render};
pub use rules::{Finding, check};

//! Target Services (`--service`, default `spaces-router`): LoadBalancer type, the
//! cloud's Layer-4 annotation set, and no L7, TLS-termination or other-cloud keys.

use crate::cli::Mode;
use crate::error::Result;
use crate::manifest::{Document, Object};
use crate::presets::{self, Cloud, HELM4_FILENAME_ANNOTATION, On};
use crate::render::Plan;
use crate::yaml::write::Fragment;

use super::counted;

pub fn apply(plan: &mut Plan) -> Result<()> {
    if matches!(plan.config.mode, Mode::Ingress | Mode::Gateway) {
        return Ok(());
    }
    let stream = plan.stream;
    let mut found = vec![false; plan.config.services.len()];
    for (doc, object) in stream.of_kind("Service") {
        if !object.api_version.is_empty() && object.api_version != "v1" {
            continue;
        }
        let Some(i) = plan
            .config
            .services
            .iter()
            .position(|s| s.matches(&object.namespace, &object.name))
        else {
            continue;
        };
        found[i] = true;
        edit(plan, doc, object)?;
    }
    for (target, found) in plan.config.services.clone().iter().zip(found) {
        if !found {
            plan.warn(
                format!(
                    "no Service {target} in the input: nothing to expose (normal when Helm runs the post-renderer for hooks alone)"
                ),
                None,
            );
        }
    }
    Ok(())
}

/// Why an annotation is removed from a target Service.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Strip {
    L7,
    OtherCloud,
    Contradicting,
}

fn edit<'s, 'a>(plan: &mut Plan<'s, 'a>, doc: &'s Document<'a>, object: &'s Object) -> Result<()> {
    let config = plan.config;
    let tree = doc.tree.as_ref().expect("objects live in parsed documents");
    let cloud = config.cloud.unwrap_or(Cloud::None);
    let mut notes = Vec::new();

    let service_type = tree.str_at(object.node, &["spec", "type"]);
    let mut load_balancer = service_type == Some("LoadBalancer");
    if config.mode == Mode::LoadBalancer && matches!(service_type, None | Some("" | "ClusterIP")) {
        if tree.str_at(object.node, &["spec", "clusterIP"]) == Some("None") {
            plan.warn(
                "headless Service (clusterIP: None) cannot become a LoadBalancer; left as it is",
                Some(plan.stream.location(doc, Some(object), object.node)),
            );
        } else {
            let spec = Fragment::Map(vec![("type".into(), Fragment::str("LoadBalancer"))]);
            plan.writer(doc)
                .upsert(object.node, &[("spec".into(), spec)])
                .map_err(|e| plan.unsupported(doc, object, e))?;
            notes.push("type LoadBalancer".to_string());
            load_balancer = true;
        }
    } else if config.mode == Mode::LoadBalancer && !load_balancer {
        let ty = service_type.unwrap_or_default();
        plan.warn(
            format!("type {ty} is not ClusterIP: left as it is, without load-balancer annotations"),
            Some(plan.stream.location(doc, Some(object), object.node)),
        );
    }

    let mut adds: Vec<(String, String)> = Vec::new();
    if load_balancer {
        let set = presets::l4_annotations(cloud, config.scheme, config.aws_target_type);
        adds.extend(set.into_iter().map(|(k, v)| (k.to_string(), v.to_string())));
        for (k, v) in &config.annotations {
            adds.retain(|(key, _)| key != k);
            adds.push((k.clone(), v.clone()));
        }
    }

    let annotations = tree
        .path(object.node, &["metadata", "annotations"])
        .filter(|&a| tree.is_map(a));
    let contradicting = presets::contradicting_keys(cloud, config.scheme);
    let mut stripped = [
        (Strip::L7, 0usize),
        (Strip::OtherCloud, 0),
        (Strip::Contradicting, 0),
    ];
    let mut changed = 0usize;
    let mut added = 0usize;
    if let Some(map) = annotations {
        for &(k, v) in tree.entries(map) {
            let Some(key) = tree.scalar(k) else { continue };
            if key == HELM4_FILENAME_ANNOTATION
                || config.keep_annotations.iter().any(|keep| keep == key)
            {
                continue;
            }
            if adds.iter().any(|(a, _)| a == key) {
                continue;
            }
            let reason = if presets::l7_key(On::Service, key, tree.scalar(v)).is_some() {
                Some(Strip::L7)
            } else if cloud != Cloud::None && presets::cloud_of_key(key).is_some_and(|c| c != cloud)
            {
                Some(Strip::OtherCloud)
            } else if contradicting.contains(&key) {
                Some(Strip::Contradicting)
            } else {
                None
            };
            if let Some(reason) = reason {
                plan.writer(doc)
                    .remove_entry(map, k)
                    .map_err(|e| plan.unsupported(doc, object, e))?;
                if let Some(slot) = stripped.iter_mut().find(|(r, _)| *r == reason) {
                    slot.1 += 1;
                }
            }
        }
    }
    for (k, v) in &adds {
        match annotations.and_then(|m| tree.get(m, k)) {
            Some(existing) if tree.string(existing) == Some(v.as_str()) => {}
            Some(existing) => {
                changed += 1;
                if k == presets::AWS_TYPE_KEY {
                    let old = tree.scalar(existing).unwrap_or_default();
                    plan.warn(
                        format!(
                            "aws-load-balancer-type changes from {old:?} to {v:?}: the AWS Load Balancer Controller may leave the old load balancer behind; delete it after the upgrade if it remains"
                        ),
                        Some(plan.stream.location(doc, Some(object), existing)),
                    );
                }
            }
            None => added += 1,
        }
    }
    if added + changed > 0 {
        let metadata = Fragment::Map(vec![(
            "annotations".into(),
            Fragment::string_map(adds.iter().map(|(k, v)| (k, v))),
        )]);
        plan.writer(doc)
            .upsert(object.node, &[("metadata".into(), metadata)])
            .map_err(|e| plan.unsupported(doc, object, e))?;
    }

    let origin = format!(" ({})", cloud.name());
    if added > 0 {
        notes.push(counted("+", added, "annotation", &origin));
    }
    if changed > 0 {
        notes.push(counted("~", changed, "annotation", " changed"));
    }
    for (reason, n) in stripped {
        if n > 0 {
            let noun = match reason {
                Strip::L7 => "L7 annotation",
                Strip::OtherCloud => "other-cloud annotation",
                Strip::Contradicting => "contradicting annotation",
            };
            notes.push(counted("-", n, noun, ""));
        }
    }
    plan.change(object, notes);
    Ok(())
}

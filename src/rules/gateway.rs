//! SE301–SE310: the Spaces Gateway (`--gateway`, default `spaces`), the ListenerSets
//! attached to it, its class, and routes to the router (docs/edits.md, "Gateway API").
//!
//! TLSRoutes of every served version (`v1alpha2`, `v1alpha3`, `v1`) are the router's
//! route: their `parentRefs`, `hostnames` and `backendRefs` have the same shape.

use crate::config::Mode;
use crate::manifest::Obj;
use crate::presets::{self, Cloud};
use crate::router::{self, GATEWAY_GROUP};
use crate::yaml::write::Fragment;
use crate::yaml::{NodeId, Tree};

use super::service::{l4_gaps, set_edits};
use super::{Code, Ctx, Edit, Note, Remedy, fix};

pub(super) fn run(ctx: &mut Ctx) {
    let gateways = router::spaces_gateways(ctx.stream, ctx.config);
    if ctx.config.mode == Mode::Gateway && gateways.is_empty() {
        ctx.report_stream(
            Code::SE306,
            format!(
                "--mode gateway: no Gateway {:?} in the input, nothing to switch to passthrough (normal when the Gateway is managed outside this release; --gateway names it)",
                ctx.config.gateway
            ),
        );
    }
    shapes(ctx, &gateways);
    let listener_sets = router::spaces_listener_sets(ctx.stream, ctx.config);
    // The namespaces of the Traefik Gateways: Traefik serves their ListenerSets too.
    let mut traefik: Vec<&str> = Vec::new();
    for gateway in &gateways {
        let class = router::gateway_class(ctx.stream, gateway);
        class_l7(ctx, gateway, class.as_ref());
        class_scheme(ctx, gateway, class.as_ref());
        listeners(ctx, gateway);
        if class.as_ref().is_some_and(is_traefik) {
            traefik.push(&gateway.namespace);
            traefik_ports(ctx, gateway);
        }
        infrastructure(ctx, gateway, class.as_ref());
    }
    for set in &listener_sets {
        listeners(ctx, set);
        let parent_ns = set
            .tree
            .str_at(set.node, &["spec", "parentRef", "namespace"])
            .unwrap_or(&set.namespace);
        if traefik.contains(&parent_ns) {
            traefik_ports(ctx, set);
        }
    }
    http_routes(ctx);
    tls_routes(ctx, &gateways, &listener_sets);
}

/// The shape Gateway API gives a field.
#[derive(Clone, Copy)]
enum Shape {
    List,
    Map,
    Scalar,
}

impl Shape {
    fn holds(self, tree: &Tree, node: NodeId) -> bool {
        tree.is_null(node)
            || match self {
                Shape::List => tree.is_seq(node),
                Shape::Map => tree.is_map(node),
                Shape::Scalar => tree.scalar(node).is_some(),
            }
    }

    fn name(self) -> &'static str {
        match self {
            Shape::List => "a list",
            Shape::Map => "a mapping",
            Shape::Scalar => "a string",
        }
    }
}

/// What a node is, for messages.
fn shape_of(tree: &Tree, node: NodeId) -> &'static str {
    if tree.is_map(node) {
        "a mapping"
    } else if tree.is_seq(node) {
        "a list"
    } else {
        "a scalar"
    }
}

/// SE310: the fields of Gateway API objects that the rules read must have the shape
/// Gateway API defines (apis/v1/gateway_types.go `Listeners []Listener`,
/// `TLS *ListenerTLSConfig`; apis/v1/listenerset_types.go and
/// apisx/v1alpha1/xlistenerset_types.go `ParentRef`, `Listeners`; apis/v1/tlsroute_types.go
/// `ParentRefs`, `Hostnames`, `Rules`, `BackendRefs`). The API server rejects another
/// shape, and render cannot tell which listener or route was meant: it refuses. A
/// null field counts as absent. Checked: the Spaces Gateways, every ListenerSet (its
/// `parentRef` decides whether it is the Gateway's), and the TLSRoutes to the router.
fn shapes(ctx: &mut Ctx, gateways: &[Obj]) {
    let mut found = Shapes(Vec::new());
    for gateway in gateways {
        found.listeners(gateway);
    }
    let stream = ctx.stream;
    for set in stream.objects().filter(|o| router::is_listener_set(o)) {
        if let Some(parent) = set.tree.path(set.node, &["spec", "parentRef"]) {
            found.check(&set, parent, "spec.parentRef", Shape::Map);
        }
    }
    for set in &router::spaces_listener_sets(stream, ctx.config) {
        found.listeners(set);
    }
    for route in router::router_tls_routes(stream, ctx.config) {
        let tree = route.tree;
        if let Some(refs) = tree.path(route.node, &["spec", "parentRefs"])
            && found.check(&route, refs, "spec.parentRefs", Shape::List)
        {
            for (i, &reference) in tree.items(refs).iter().enumerate() {
                found.check(
                    &route,
                    reference,
                    &format!("spec.parentRefs[{i}]"),
                    Shape::Map,
                );
            }
        }
        if let Some(hosts) = tree.path(route.node, &["spec", "hostnames"]) {
            found.check(&route, hosts, "spec.hostnames", Shape::List);
        }
    }
    let help =
        "write the field with the shape Gateway API defines (each list item starts with `- `)";
    for (owner, node, message) in found.0 {
        ctx.report(
            Code::SE310,
            &owner,
            node,
            message,
            Remedy::Refuse(help.to_string()),
        );
    }
}

/// The fields of the wrong shape: the object, the field's node and the message.
struct Shapes<'s, 'a>(Vec<(Obj<'s, 'a>, NodeId, String)>);

impl<'s, 'a> Shapes<'s, 'a> {
    /// Whether `node` (the `field` of `owner`) has `shape`; records it when not.
    fn check(&mut self, owner: &Obj<'s, 'a>, node: NodeId, field: &str, shape: Shape) -> bool {
        let tree = owner.tree;
        if shape.holds(tree, node) {
            return true;
        }
        self.0.push((
            *owner,
            node,
            format!(
                "{field} of {} {}/{} is {}, and Gateway API defines it as {}: the API server rejects the object",
                owner.kind,
                owner.namespace,
                owner.name,
                shape_of(tree, node),
                shape.name()
            ),
        ));
        false
    }

    /// `spec.listeners` of a Gateway or ListenerSet: a list of mappings, each `protocol` a
    /// string, each `tls` a mapping with a string `mode`.
    fn listeners(&mut self, owner: &Obj<'s, 'a>) {
        let tree = owner.tree;
        let Some(list) = tree.path(owner.node, &["spec", "listeners"]) else {
            return;
        };
        if !self.check(owner, list, "spec.listeners", Shape::List) {
            return;
        }
        for (i, &listener) in tree.items(list).iter().enumerate() {
            if !self.check(owner, listener, &format!("spec.listeners[{i}]"), Shape::Map) {
                continue;
            }
            if let Some(protocol) = tree.get(listener, "protocol") {
                self.check(
                    owner,
                    protocol,
                    &format!("spec.listeners[{i}].protocol"),
                    Shape::Scalar,
                );
            }
            if let Some(tls) = tree.get(listener, "tls")
                && self.check(owner, tls, &format!("spec.listeners[{i}].tls"), Shape::Map)
                && let Some(mode) = tree.get(tls, "mode")
            {
                self.check(
                    owner,
                    mode,
                    &format!("spec.listeners[{i}].tls.mode"),
                    Shape::Scalar,
                );
            }
        }
    }
}

/// SE303: the Gateway's class must be able to pass TLS through: its name, or the
/// controllerName of the GatewayClass when the release renders it.
fn class_l7(ctx: &mut Ctx, gateway: &Obj, class: Option<&router::GatewayClass>) {
    let Some(class) = class else {
        return;
    };
    let Some(what) = presets::l7_gateway_class(class.name, class.controller) else {
        return;
    };
    let help = "use a GatewayClass whose controller supports TLS listeners in Passthrough mode (`spaces-expose presets` lists the controllers), or a LoadBalancer Service (--mode load-balancer)".to_string();
    let name = class.name;
    match &class.class {
        Some(gc) => ctx.report(
            Code::SE303,
            gc,
            class.controller_node.unwrap_or(gc.node),
            format!(
                "GatewayClass {name:?} used by Gateway {}/{} is the {what}, which only terminates TLS (L7)",
                gateway.namespace, gateway.name
            ),
            Remedy::Refuse(help),
        ),
        None => ctx.report(
            Code::SE303,
            gateway,
            class.node,
            format!("GatewayClass {name:?} is the {what}, which only terminates TLS (L7)"),
            Remedy::Refuse(help),
        ),
    }
}

/// SE309: a GKE passthrough class decides the load balancer's scheme by its name, and
/// `--scheme` asks for the other one. The AWS controller's L4 gateway takes its scheme
/// from a LoadBalancerConfiguration, which `--scheme` does not write: a note says so.
fn class_scheme(ctx: &mut Ctx, gateway: &Obj, class: Option<&router::GatewayClass>) {
    let Some(class) = class else {
        return;
    };
    let wanted = ctx.config.scheme;
    let name = class.name;
    if class.controller == Some(presets::AWS_NLB_GATEWAY_CONTROLLER) {
        if let Some((config, node, scheme)) = lb_configuration_scheme(ctx, gateway, class)
            && scheme != wanted.name()
        {
            ctx.report(
                Code::SE309,
                &config,
                node,
                format!(
                    "LoadBalancerConfiguration {}/{} gives Gateway {}/{} (class {name:?}, {}) scheme {scheme}, and --scheme is {}",
                    config.namespace,
                    config.name,
                    gateway.namespace,
                    gateway.name,
                    presets::AWS_NLB_GATEWAY_CONTROLLER,
                    wanted.name()
                ),
                Remedy::Refuse(format!(
                    "set spec.scheme: {} in the LoadBalancerConfiguration, or pass --scheme {scheme} if that is meant",
                    wanted.name()
                )),
            );
            return;
        }
        ctx.note(format!(
            "Gateway {}/{}: class {name:?} ({}) takes its scheme from a LoadBalancerConfiguration's spec.scheme (internal by default), not from annotations; --scheme {} does not reach it",
            gateway.namespace,
            gateway.name,
            presets::AWS_NLB_GATEWAY_CONTROLLER,
            wanted.name()
        ));
        return;
    }
    let Some(scheme) = presets::gateway_class_scheme(name) else {
        return;
    };
    if scheme == wanted {
        return;
    }
    let other = presets::GKE_PASSTHROUGH_GATEWAY_CLASSES
        .iter()
        .filter(|&&(_, s)| s == wanted)
        .map(|&(c, _)| c)
        .collect::<Vec<_>>()
        .join(", ");
    ctx.report(
        Code::SE309,
        gateway,
        class.node,
        format!(
            "Gateway {}/{} has class {name:?}, which builds an {} load balancer, and --scheme is {}: the class alone decides the scheme",
            gateway.namespace,
            gateway.name,
            scheme.name(),
            wanted.name()
        ),
        Remedy::Refuse(format!(
            "pass --scheme {} if an {} load balancer is meant, else use a class of the {} scheme ({other})",
            scheme.name(),
            scheme.name(),
            wanted.name()
        )),
    );
}

/// The LoadBalancerConfiguration whose `spec.scheme` decides the NLB of a
/// `gateway.k8s.aws/nlb` Gateway, that node and its value, when the stream shows it with
/// certainty: every configuration the GatewayClass and the Gateway reference is in the
/// stream, and one of them sets the scheme (when both do, the class's `mergingMode`
/// decides). `None` otherwise (the default, `internal`, is left to the note).
fn lb_configuration_scheme<'s, 'a>(
    ctx: &Ctx<'s, 'a>,
    gateway: &Obj<'s, 'a>,
    class: &router::GatewayClass<'s, 'a>,
) -> Option<(Obj<'s, 'a>, NodeId, &'s str)> {
    let (group, kind) = presets::AWS_LB_CONFIGURATION;
    // A reference to a configuration: `Some(None)` when it is not in the stream.
    let find = |tree: &Tree, reference: NodeId, default_ns: &str| -> Option<Option<Obj<'s, 'a>>> {
        if tree.str_at(reference, &["group"]) != Some(group)
            || tree.str_at(reference, &["kind"]) != Some(kind)
        {
            return None;
        }
        let name = tree.str_at(reference, &["name"])?;
        let namespace = tree.str_at(reference, &["namespace"]).unwrap_or(default_ns);
        Some(
            ctx.stream
                .of_kind(kind)
                .find(|c| c.group() == group && c.name == name && c.namespace == namespace),
        )
    };
    let from_class = class.class.as_ref().and_then(|gc| {
        let reference = gc.tree.path(gc.node, &["spec", "parametersRef"])?;
        find(gc.tree, reference, "")
    });
    let from_gateway = gateway
        .tree
        .path(gateway.node, &["spec", "infrastructure", "parametersRef"])
        .and_then(|r| find(gateway.tree, r, &gateway.namespace));
    if matches!(from_class, Some(None)) || matches!(from_gateway, Some(None)) {
        return None;
    }
    let scheme = |config: Option<Obj<'s, 'a>>| {
        let config = config?;
        let node = config.tree.path(config.node, &["spec", "scheme"])?;
        let value = config.tree.string(node)?;
        Some((config, node, value))
    };
    let prefer_gateway = from_class
        .flatten()
        .is_some_and(|c| c.tree.str_at(c.node, &["spec", "mergingMode"]) == Some("prefer-gateway"));
    let (class_scheme, gateway_scheme) =
        (scheme(from_class.flatten()), scheme(from_gateway.flatten()));
    if prefer_gateway {
        gateway_scheme.or(class_scheme)
    } else {
        class_scheme.or(gateway_scheme)
    }
}

/// Whether a Gateway's class is Traefik's: the rendered GatewayClass names Traefik's
/// controller, or, when the stream holds no GatewayClass of that name, the class is the
/// one the Traefik chart creates.
fn is_traefik(class: &router::GatewayClass) -> bool {
    match class.controller {
        Some(controller) => controller == presets::TRAEFIK_GATEWAY_CONTROLLER,
        None => class.class.is_none() && class.name == presets::TRAEFIK_GATEWAY_CLASS,
    }
}

/// SE301: HTTPS listeners, and TLS listeners that are not in Passthrough mode, become
/// TLS Passthrough listeners without certificates (the router ends TLS), on the Spaces
/// Gateway and on the ListenerSets attached to it (the same listener shape).
fn listeners(ctx: &mut Ctx, owner: &Obj) {
    let tree = owner.tree;
    let Some(list) = tree.path(owner.node, &["spec", "listeners"]) else {
        return;
    };
    let kind = &owner.kind;
    for &listener in tree.items(list) {
        if !tree.is_map(listener) {
            continue;
        }
        let name = tree.str_at(listener, &["name"]).unwrap_or("?");
        let Some(protocol_node) = tree.get(listener, "protocol") else {
            continue;
        };
        let protocol = tree.string(protocol_node);
        let tls = tree.get(listener, "tls").filter(|&t| !tree.is_null(t));
        if tls.is_some_and(|t| !tree.is_map(t)) {
            // SE310 reports a tls that is not a mapping.
            continue;
        }
        // Before Gateway API v1.5 a TLS listener without a mode terminates (the default
        // of GatewayTLSConfig.Mode); from v1.5 the CRDs reject it ("tls mode must be set
        // for protocol TLS", apis/v1/gateway_types.go). Passthrough is written either way.
        let mode_node = tls.and_then(|t| tree.get(t, "mode"));
        if mode_node.is_some_and(|m| !Shape::Scalar.holds(tree, m)) {
            // SE310 reports a tls.mode that is not a string.
            continue;
        }
        let mode = mode_node.and_then(|m| tree.string(m));
        let (at, message, note) = match protocol {
            Some("HTTPS") => (
                protocol_node,
                format!(
                    "listener {name} of {kind} {} has protocol HTTPS, which always terminates TLS",
                    owner.name
                ),
                format!("listener {name}: HTTPS -> TLS Passthrough"),
            ),
            Some("TLS") if mode.is_none() => (
                protocol_node,
                format!(
                    "TLS listener {name} of {kind} {} sets no tls.mode: Gateway API before v1.5 terminates TLS at the Gateway, and v1.5 and later reject the listener",
                    owner.name
                ),
                format!("listener {name}: TLS -> Passthrough (explicit tls.mode)"),
            ),
            Some("TLS") if mode != Some("Passthrough") => (
                mode_node.unwrap_or(protocol_node),
                format!(
                    "TLS listener {name} of {kind} {} is in {} mode: TLS ends at the Gateway",
                    owner.name,
                    mode.unwrap_or("Terminate")
                ),
                format!(
                    "listener {name}: TLS {} -> Passthrough",
                    mode.unwrap_or("Terminate")
                ),
            ),
            _ => continue,
        };
        let mut edits = Vec::new();
        let mut pairs = Vec::new();
        if protocol == Some("HTTPS") {
            pairs.push(("protocol".to_string(), Fragment::str("TLS")));
        }
        let passthrough = || vec![("mode".to_string(), Fragment::str("Passthrough"))];
        match tls {
            Some(t) if tree.is_flow(t) => edits.push(Edit::RewriteFlowMap {
                map: t,
                drop: vec!["certificateRefs"],
                pairs: passthrough(),
            }),
            _ => {
                if let Some(t) = tls
                    && let Some((refs, _)) = tree.entry(t, "certificateRefs")
                {
                    edits.push(Edit::RemoveEntry { map: t, key: refs });
                }
                pairs.push(("tls".to_string(), Fragment::Map(passthrough())));
            }
        }
        if !pairs.is_empty() {
            edits.push(Edit::Upsert {
                map: listener,
                pairs,
            });
        }
        ctx.report(
            Code::SE301,
            owner,
            at,
            message,
            fix(owner, edits, vec![Note::Text(note)]),
        );
    }
}

/// SE308: Traefik binds a Gateway listener to the entryPoint whose address has the
/// listener's port (traefik pkg/provider/kubernetes/gateway/kubernetes.go,
/// `entryPointName`); a listener on another port is not accepted (`PortUnavailable`).
/// The ports are the config file's `traefik.entryPointPorts`, else the Traefik Helm
/// chart's defaults.
fn traefik_ports(ctx: &mut Ctx, owner: &Obj) {
    let tree = owner.tree;
    let Some(list) = tree.path(owner.node, &["spec", "listeners"]) else {
        return;
    };
    let configured = &ctx.config.traefik_entry_point_ports;
    let (ports, known): (Vec<u16>, String) = if configured.is_empty() {
        (
            presets::TRAEFIK_ENTRY_POINTS
                .iter()
                .map(|&(_, p)| p)
                .collect(),
            format!(
                "the Traefik chart's entryPoints are {}",
                presets::traefik_entry_points()
            ),
        )
    } else {
        (
            configured.clone(),
            format!(
                "traefik.entryPointPorts gives {}",
                configured
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    };
    for &listener in tree.items(list) {
        let Some(port_node) = tree.get(listener, "port") else {
            continue;
        };
        let Some(port) = tree.scalar(port_node).and_then(|p| p.parse::<u16>().ok()) else {
            continue;
        };
        if ports.contains(&port) {
            continue;
        }
        let name = tree.str_at(listener, &["name"]).unwrap_or("?");
        ctx.report(
            Code::SE308,
            owner,
            port_node,
            format!(
                "listener {name} of Traefik {} {} has port {port}, which no Traefik entryPoint listens on ({known}): Traefik matches listeners to entryPoints by port, so this listener is not accepted (PortUnavailable) and no route attaches to it",
                owner.kind, owner.name
            ),
            Remedy::Warn,
        );
    }
}

/// SE304 and SE305: the cloud's Layer-4 set goes into `spec.infrastructure.annotations`,
/// which Gateway API controllers that honour it (Envoy Gateway, Istio, NGINX Gateway
/// Fabric, Contour) copy onto the Service they create. Gateway API allows at most 16
/// keys there from v1.6, 8 before. Controllers that generate no Service (GKE's, the AWS
/// Load Balancer Controller's, Azure's) get no cloud set: it would configure nothing.
fn infrastructure(ctx: &mut Ctx, gateway: &Obj, class: Option<&router::GatewayClass>) {
    let config = ctx.config;
    let tree = gateway.tree;
    let map = tree
        .path(gateway.node, &["spec", "infrastructure", "annotations"])
        .filter(|&m| tree.is_map(m));
    let mut keys: Vec<&str> = map
        .map(|m| {
            tree.entries(m)
                .iter()
                .filter_map(|&(k, _)| tree.scalar(k))
                .collect()
        })
        .unwrap_or_default();
    keys.sort_unstable();
    keys.dedup();
    let at = map.unwrap_or(gateway.node);
    let serviceless = class.and_then(|c| {
        presets::serviceless_gateway_class(c.name, c.controller).map(|what| (c.name, what))
    });
    let cloud = config
        .cloud
        .filter(|&c| c != Cloud::None && ctx.enabled(Code::SE305));
    if let (Some(_), Some((name, what))) = (cloud, serviceless) {
        ctx.note(format!(
            "SE305 skipped for Gateway {}/{}: class {name:?} belongs to {what}, which generates no Service to copy infrastructure annotations onto",
            gateway.namespace, gateway.name
        ));
    }
    let Some(cloud) = cloud.filter(|_| serviceless.is_none()) else {
        annotation_limit(
            ctx,
            gateway,
            at,
            keys.len(),
            format!("holds {} keys", keys.len()),
        );
        return;
    };
    let gaps = l4_gaps(tree, map, config, cloud, &[]);
    let removed: std::collections::BTreeSet<&str> =
        gaps.contradicting.iter().map(|(_, k)| k.as_str()).collect();
    let total = keys.len() + gaps.missing.len() - removed.len();
    let count = if total == keys.len() {
        format!("holds {total} keys")
    } else {
        format!(
            "would hold {total} keys ({} in the input, {} for --cloud {})",
            keys.len(),
            total.saturating_sub(keys.len()),
            cloud.name()
        )
    };
    if !annotation_limit(ctx, gateway, at, total, count) {
        return;
    }
    if gaps.is_empty() {
        return;
    }
    super::service::unasked_public(ctx, gateway, &gaps, &format!("Gateway {}", gateway.name));
    let node = gaps
        .wrong
        .first()
        .map(|&(_, _, v)| v)
        .or(map)
        .or_else(|| tree.get(gateway.node, "spec"))
        .unwrap_or(gateway.node);
    let notes = gaps.notes("infrastructure annotation", cloud);
    let edits = set_edits(
        gateway.node,
        &["spec", "infrastructure", "annotations"],
        map,
        &gaps,
    );
    ctx.report(
        Code::SE305,
        gateway,
        node,
        format!(
            "Gateway {} infrastructure annotations lack the {} {} Layer-4 set its generated Service needs: {}",
            gateway.name,
            cloud.name(),
            config.scheme.name(),
            gaps.describe(tree, config)
        ),
        fix(gateway, edits, notes),
    );
}

/// SE304 for `total` infrastructure annotations (`count` says how many, and whence,
/// e.g. `holds 9 keys`):
/// more than 16 make render refuse; 9 to 16 need Gateway API v1.6+ CRDs (a warning).
/// Returns whether render may add the cloud set.
fn annotation_limit(ctx: &mut Ctx, gateway: &Obj, at: NodeId, total: usize, count: String) -> bool {
    let limit = presets::GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT;
    let before = presets::GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT_BEFORE_V1_6;
    if total > limit {
        let help = "drop keys the generated Service does not need, or put the cloud annotations on the controller's Service instead (e.g. Envoy Gateway's EnvoyProxy envoyService.annotations)".to_string();
        ctx.report(
            Code::SE304,
            gateway,
            at,
            format!(
                "spec.infrastructure.annotations of Gateway {} {count}; Gateway API accepts at most {limit} (at most {before} before v1.6)",
                gateway.name
            ),
            Remedy::Refuse(help),
        );
        return false;
    }
    if total > before {
        ctx.report(
            Code::SE304,
            gateway,
            at,
            format!(
                "spec.infrastructure.annotations of Gateway {} {count}: accepted by Gateway API v1.6 and later CRDs (at most {limit}); v1.5 and earlier reject more than {before}",
                gateway.name
            ),
            Remedy::Warn,
        );
    }
    true
}

/// SE302: an HTTPRoute backend is a target Service. The chart renders one only when the
/// router runs without TLS, so it is reported and left as it is.
fn http_routes(ctx: &mut Ctx) {
    let routes: Vec<_> = ctx
        .stream
        .of_kind("HTTPRoute")
        .filter(|o| o.group() == GATEWAY_GROUP)
        .collect();
    for route in routes {
        let tree = route.tree;
        let rules = tree
            .path(route.node, &["spec", "rules"])
            .map_or(&[][..], |r| tree.items(r));
        for &rule in rules {
            let backends = tree
                .get(rule, "backendRefs")
                .map_or(&[][..], |b| tree.items(b));
            for &backend in backends {
                if !router::backend_is_target(ctx.config, tree, &route, backend) {
                    continue;
                }
                let name = tree.str_at(backend, &["name"]).unwrap_or_default();
                let at = tree.get(backend, "name").unwrap_or(backend);
                ctx.report(
                    Code::SE302,
                    &route,
                    at,
                    format!(
                        "HTTPRoute {}/{} sends traffic to Service {name} through an HTTP listener: TLS ends at the Gateway and the router never sees client certificates; left as it is (the chart renders it only when the router runs insecure)",
                        route.namespace, route.name
                    ),
                    Remedy::Warn,
                );
            }
        }
    }
}

/// Where a route's parentRef lands: the listeners it may attach to and the object that
/// owns them (the Spaces Gateway, or a ListenerSet attached to it).
struct Parent<'o, 's, 'a> {
    owner: &'o Obj<'s, 'a>,
    /// Why the ListenerSet is not part of the Gateway, when it is not.
    detached: Option<String>,
}

/// SE307: a TLSRoute to the router whose parentRef names the Spaces Gateway (or a
/// ListenerSet attached to it) but matches none of its listeners: a `sectionName` or
/// `port` that names no listener, a listener that is not TLS, hostnames that do not
/// intersect, or `allowedRoutes` that exclude the route's namespace or kind (Gateway API
/// apis/v1/gateway_types.go, `AllowedRoutes`, and tlsroute_types.go, `Hostnames`). The
/// route is not accepted and the router cannot be reached through the Gateway. Only
/// what the stream shows is judged: a Gateway outside the stream, or a namespace
/// selector other than `kubernetes.io/metadata.name`, counts as admitting.
fn tls_routes(ctx: &mut Ctx, gateways: &[Obj], listener_sets: &[Obj]) {
    let routes = router::router_tls_routes(ctx.stream, ctx.config);
    if routes.is_empty() {
        return;
    }
    let gateway_namespace = router::known_gateway_namespace(ctx.stream, ctx.config);
    for route in &routes {
        let tree = route.tree;
        let parents = tree
            .path(route.node, &["spec", "parentRefs"])
            .map_or(&[][..], |p| tree.items(p));
        for &reference in parents {
            let Some(parent) = parent_of(
                ctx,
                tree,
                route,
                reference,
                gateways,
                listener_sets,
                gateway_namespace.as_deref(),
            ) else {
                continue;
            };
            let owner = parent.owner;
            if owner
                .tree
                .path(owner.node, &["spec", "listeners"])
                .is_some_and(|l| !Shape::List.holds(owner.tree, l))
            {
                // SE310 reports listeners that are not a list.
                continue;
            }
            let (at, problem) = match &parent.detached {
                Some(why) => (reference, why.clone()),
                None => match attach(tree, route, reference, parent.owner) {
                    Ok(()) => continue,
                    Err(found) => found,
                },
            };
            ctx.report(
                Code::SE307,
                route,
                at,
                format!(
                    "TLSRoute {}/{} cannot attach to {} {}/{}: {problem}",
                    route.namespace,
                    route.name,
                    parent.owner.kind,
                    parent.owner.namespace,
                    parent.owner.name
                ),
                Remedy::Warn,
            );
        }
    }
}

/// The Spaces Gateway or attached ListenerSet a parentRef names, when the stream holds it.
/// A route whose parent is the Gateway attaches to the Gateway's own `spec.listeners`
/// only, never to those of its ListenerSets (gateway-api geps/gep-1713, "a Route
/// attaching to the Gateway ... shall only attach to the listeners in the Gateway's
/// immediate spec.listeners list").
fn parent_of<'o, 's, 'a>(
    ctx: &Ctx,
    tree: &Tree,
    route: &Obj,
    reference: NodeId,
    gateways: &'o [Obj<'s, 'a>],
    listener_sets: &'o [Obj<'s, 'a>],
    gateway_namespace: Option<&str>,
) -> Option<Parent<'o, 's, 'a>> {
    let namespace = tree
        .str_at(reference, &["namespace"])
        .unwrap_or(&route.namespace);
    let name = tree.str_at(reference, &["name"])?;
    if router::names_spaces_gateway(
        tree,
        reference,
        &route.namespace,
        ctx.config,
        gateway_namespace,
    ) {
        let owner = gateways.iter().find(|g| g.namespace == namespace)?;
        return Some(Parent {
            owner,
            detached: None,
        });
    }
    if !router::references_listener_set(tree, reference) {
        return None;
    }
    let kind = tree.str_at(reference, &["kind"]);
    let owner = listener_sets
        .iter()
        .find(|s| s.name == name && s.namespace == namespace && kind == Some(&*s.kind))?;
    let detached = gateways
        .iter()
        .find(|g| {
            let ns = owner
                .tree
                .str_at(owner.node, &["spec", "parentRef", "namespace"])
                .unwrap_or(&owner.namespace);
            g.namespace == ns
        })
        .and_then(|g| listener_set_refused(g, owner));
    Some(Parent { owner, detached })
}

/// Why the Spaces Gateway does not take the ListenerSet's listeners, if it does not: its
/// `spec.allowedListeners.namespaces.from` is `None` by default (gateway-api
/// apis/v1/gateway_types.go, `ListenerNamespaces`).
fn listener_set_refused(gateway: &Obj, set: &Obj) -> Option<String> {
    let tree = gateway.tree;
    let namespaces = tree.path(gateway.node, &["spec", "allowedListeners", "namespaces"]);
    let from = namespaces
        .and_then(|n| tree.str_at(n, &["from"]))
        .unwrap_or("None");
    let admitted = namespace_admitted(tree, namespaces, from, &gateway.namespace, &set.namespace);
    (!admitted).then(|| {
        format!(
            "Gateway {}/{} does not admit ListenerSets from namespace {} (spec.allowedListeners.namespaces.from: {from}{}), so its listeners are not the Gateway's",
            gateway.namespace,
            gateway.name,
            set.namespace,
            if namespaces.is_none() { ", the default" } else { "" }
        )
    })
}

/// Whether `from` (All, Same, Selector, None) admits namespace `ns` for an owner in
/// `owner_ns`. A selector is judged only when it names namespaces by
/// `kubernetes.io/metadata.name`; any other selector counts as admitting.
fn namespace_admitted(
    tree: &Tree,
    namespaces: Option<NodeId>,
    from: &str,
    owner_ns: &str,
    ns: &str,
) -> bool {
    match from {
        "All" => true,
        "Same" => owner_ns == ns,
        "Selector" => {
            let selector = namespaces.and_then(|n| tree.get(n, "selector"));
            let expressions = selector
                .and_then(|s| tree.get(s, "matchExpressions"))
                .is_some_and(|e| !tree.items(e).is_empty());
            let labels = selector
                .and_then(|s| tree.get(s, "matchLabels"))
                .and_then(|m| router::label_set(tree, m));
            match labels {
                Some(labels) if !expressions && labels.len() == 1 => labels
                    .iter()
                    .all(|(k, v)| k != "kubernetes.io/metadata.name" || v == ns),
                _ => true,
            }
        }
        _ => false,
    }
}

/// Whether the route attaches to some listener of `owner` through `reference`, else the
/// node to point at and why not.
fn attach(
    tree: &Tree,
    route: &Obj,
    reference: NodeId,
    owner: &Obj,
) -> Result<(), (NodeId, String)> {
    let lt = owner.tree;
    let listeners: Vec<NodeId> = lt
        .path(owner.node, &["spec", "listeners"])
        .map_or(&[][..], |l| lt.items(l))
        .iter()
        .copied()
        .filter(|&l| lt.is_map(l))
        .collect();
    let names = || {
        listeners
            .iter()
            .map(|&l| lt.str_at(l, &["name"]).unwrap_or("?"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut candidates = listeners.clone();
    if let Some(section_node) = tree.get(reference, "sectionName") {
        let section = tree.scalar(section_node).unwrap_or_default();
        candidates.retain(|&l| lt.str_at(l, &["name"]) == Some(section));
        if candidates.is_empty() {
            return Err((
                section_node,
                format!(
                    "sectionName {section:?} names no listener (listeners: {})",
                    names()
                ),
            ));
        }
    }
    if let Some(port_node) = tree.get(reference, "port") {
        let port = tree.scalar(port_node).unwrap_or_default();
        candidates.retain(|&l| lt.str_at(l, &["port"]) == Some(port));
        if candidates.is_empty() {
            return Err((
                port_node,
                format!("port {port} matches no listener of {}", names()),
            ));
        }
    }
    let hostnames: Vec<&str> = tree
        .path(route.node, &["spec", "hostnames"])
        .map_or(&[][..], |h| tree.items(h))
        .iter()
        .filter_map(|&h| tree.scalar(h))
        .collect();
    let mut reasons = Vec::new();
    for &listener in &candidates {
        let name = lt.str_at(listener, &["name"]).unwrap_or("?");
        match refusal(lt, listener, owner, &route.namespace, &hostnames) {
            None => return Ok(()),
            Some(why) => reasons.push(format!("listener {name} {why}")),
        }
    }
    if candidates.is_empty() {
        reasons.push("it has no listeners".to_string());
    }
    Err((reference, reasons.join("; ")))
}

/// Why a listener refuses a TLSRoute from namespace `ns` with these hostnames, if it does.
/// An HTTPS listener counts as the TLS listener SE301 makes of it.
fn refusal(
    tree: &Tree,
    listener: NodeId,
    owner: &Obj,
    ns: &str,
    hostnames: &[&str],
) -> Option<String> {
    let protocol = tree.str_at(listener, &["protocol"]).unwrap_or_default();
    if !matches!(protocol, "TLS" | "HTTPS") {
        return Some(format!(
            "has protocol {protocol}: a TLSRoute attaches only to TLS listeners"
        ));
    }
    let allowed = tree.get(listener, "allowedRoutes");
    let kinds = allowed
        .and_then(|a| tree.get(a, "kinds"))
        .map_or(&[][..], |k| tree.items(k));
    if !kinds.is_empty()
        && !kinds.iter().any(|&k| {
            tree.str_at(k, &["kind"]) == Some("TLSRoute")
                && tree.str_at(k, &["group"]).unwrap_or(GATEWAY_GROUP) == GATEWAY_GROUP
        })
    {
        return Some("does not list TLSRoute in allowedRoutes.kinds".to_string());
    }
    let namespaces = allowed.and_then(|a| tree.get(a, "namespaces"));
    let from = namespaces
        .and_then(|n| tree.str_at(n, &["from"]))
        .unwrap_or("Same");
    if !namespace_admitted(tree, namespaces, from, &owner.namespace, ns) {
        let why = match from {
            "Same" => format!(
                "admits routes from its own namespace {} only (allowedRoutes.namespaces.from: Same{}), and the route is in {ns}",
                owner.namespace,
                if namespaces.is_none() {
                    ", the default"
                } else {
                    ""
                }
            ),
            "Selector" => {
                format!("admits no route from namespace {ns} (allowedRoutes.namespaces.selector)")
            }
            other => format!("admits no route (allowedRoutes.namespaces.from: {other})"),
        };
        return Some(why);
    }
    if let Some(host) = tree
        .str_at(listener, &["hostname"])
        .filter(|h| !h.is_empty())
        && !hostnames.is_empty()
        && !hostnames.iter().any(|h| hostnames_intersect(host, h))
    {
        return Some(format!(
            "has hostname {host:?}, which none of the route's hostnames ({}) matches",
            hostnames.join(", ")
        ));
    }
    None
}

/// Whether a listener hostname and a route hostname intersect, as Gateway API defines it
/// (tlsroute_types.go, `Hostnames`): equal names; a wildcard `*.x` matches any name with
/// at least one more label before `x` (not `x` itself); two wildcards intersect when
/// one's suffix ends with the other's.
fn hostnames_intersect(listener: &str, route: &str) -> bool {
    let listener = listener.to_ascii_lowercase();
    let route = route.to_ascii_lowercase();
    let covers = |wildcard: &str, name: &str| {
        wildcard.strip_prefix("*.").is_some_and(|suffix| {
            name.len() > suffix.len() + 1 && name.ends_with(&format!(".{suffix}"))
        })
    };
    match (listener.starts_with("*."), route.starts_with("*.")) {
        (false, false) => listener == route,
        (true, false) => covers(&listener, &route),
        (false, true) => covers(&route, &listener),
        (true, true) => {
            listener == route || covers(&listener, &route[2..]) || covers(&route, &listener[2..])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::hostnames_intersect;

    #[test]
    fn hostnames_intersect_as_gateway_api_defines() {
        // Examples of tlsroute_types.go, Hostnames.
        assert!(hostnames_intersect("test.example.com", "test.example.com"));
        assert!(hostnames_intersect("test.example.com", "*.example.com"));
        assert!(hostnames_intersect("*.example.com", "test.example.com"));
        assert!(hostnames_intersect("*.example.com", "foo.test.example.com"));
        assert!(hostnames_intersect("*.example.com", "*.example.com"));
        assert!(hostnames_intersect(
            "something.example.com",
            "*.example.com"
        ));
        assert!(!hostnames_intersect("*.example.com", "example.com"));
        assert!(!hostnames_intersect("*.example.com", "test.example.net"));
        assert!(!hostnames_intersect(
            "spaces.example.com",
            "other.example.com"
        ));
        assert!(!hostnames_intersect("example.com", "*.example.com"));
        // Two wildcards: one suffix inside the other.
        assert!(hostnames_intersect("*.example.com", "*.foo.example.com"));
        assert!(hostnames_intersect("*.foo.example.com", "*.example.com"));
        assert!(!hostnames_intersect(
            "*.foo.example.com",
            "*.bar.example.com"
        ));
        assert!(hostnames_intersect(
            "Spaces.Example.com",
            "spaces.example.com"
        ));
    }
}

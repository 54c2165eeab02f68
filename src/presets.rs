//! The product's facts as data: cloud load-balancer annotation sets, the catalogue of
//! keys that mean L7 or TLS termination, and the ingress/gateway controllers. The
//! rules, `presets` and `explain` all read these tables. The source of every fact is in
//! the comment beside it.

use serde::Serialize;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, clap::ValueEnum, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    Aws,
    Gcp,
    Azure,
    /// Oracle Cloud (OKE): the OCI cloud-controller-manager.
    Oci,
    /// DigitalOcean (DOKS): the DigitalOcean cloud-controller-manager.
    Digitalocean,
    /// Hetzner Cloud: the hcloud cloud-controller-manager.
    Hetzner,
    /// On-premises: MetalLB or Cilium LB-IPAM hand out the addresses.
    Onprem,
    None,
}

impl Cloud {
    /// Every cloud, in the order `--cloud` lists them.
    pub const ALL: &'static [Cloud] = &[
        Cloud::Aws,
        Cloud::Gcp,
        Cloud::Azure,
        Cloud::Oci,
        Cloud::Digitalocean,
        Cloud::Hetzner,
        Cloud::Onprem,
        Cloud::None,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Gcp => "gcp",
            Cloud::Azure => "azure",
            Cloud::Oci => "oci",
            Cloud::Digitalocean => "digitalocean",
            Cloud::Hetzner => "hetzner",
            Cloud::Onprem => "onprem",
            Cloud::None => "none",
        }
    }

    /// `aws, gcp, …, none`: the choices, for messages.
    pub fn choices() -> String {
        Cloud::ALL
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum, serde::Deserialize, Default,
)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    #[default]
    InternetFacing,
    Internal,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::InternetFacing => "internet-facing",
            Scheme::Internal => "internal",
        }
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum, serde::Deserialize, Default,
)]
#[serde(rename_all = "kebab-case")]
pub enum TargetType {
    #[default]
    Ip,
    Instance,
}

impl TargetType {
    pub fn name(self) -> &'static str {
        match self {
            TargetType::Ip => "ip",
            TargetType::Instance => "instance",
        }
    }
}

/// An annotation value in a cloud set: fixed, or the chosen AWS target type.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(untagged)]
pub enum SetValue {
    Fixed(&'static str),
    #[serde(serialize_with = "target_type_placeholder")]
    AwsTargetType,
}

fn target_type_placeholder<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("<--aws-target-type>")
}

#[derive(Debug, Serialize)]
pub struct CloudSet {
    pub cloud: Cloud,
    pub scheme: Scheme,
    pub annotations: &'static [(&'static str, SetValue)],
}

const AWS_TYPE: &str = "service.beta.kubernetes.io/aws-load-balancer-type";
const AWS_SCHEME: &str = "service.beta.kubernetes.io/aws-load-balancer-scheme";
const AWS_TARGET: &str = "service.beta.kubernetes.io/aws-load-balancer-nlb-target-type";
const AWS_INTERNAL: &str = "service.beta.kubernetes.io/aws-load-balancer-internal";

/// §5.1: the Layer-4 annotation set per cloud and scheme.
///
/// AWS: `type: external` hands the Service to the AWS Load Balancer Controller, which
/// builds an NLB; its default scheme is `internal`, hence the explicit scheme
/// (kubernetes-sigs/aws-load-balancer-controller docs/guide/service/annotations.md).
/// GCP: `l4-rbs: enabled` selects the backend-service-based passthrough NLB;
/// `load-balancer-type: Internal` the internal passthrough NLB (GKE docs).
/// Azure: a LoadBalancer Service already is an L4 Azure Load Balancer; only
/// internal needs a key (cloud-provider-azure topics/loadbalancer.md).
/// The other clouds' sources are beside their rows.
pub const CLOUD_SETS: &[CloudSet] = &[
    CloudSet {
        cloud: Cloud::Aws,
        scheme: Scheme::InternetFacing,
        annotations: &[
            (AWS_TYPE, SetValue::Fixed("external")),
            (AWS_SCHEME, SetValue::Fixed("internet-facing")),
            (AWS_TARGET, SetValue::AwsTargetType),
        ],
    },
    CloudSet {
        cloud: Cloud::Aws,
        scheme: Scheme::Internal,
        // `aws-load-balancer-internal` too: a kept in-tree `nlb` type is built by the
        // cloud provider's own controller, which reads only that key and would make an
        // internet-facing NLB of a Service with the scheme alone; the Load Balancer
        // Controller reads the scheme first (kubernetes/cloud-provider-aws
        // pkg/providers/v1/aws.go ServiceAnnotationLoadBalancerInternal;
        // aws-load-balancer-controller docs/guide/service/annotations.md "scheme").
        annotations: &[
            (AWS_TYPE, SetValue::Fixed("external")),
            (AWS_SCHEME, SetValue::Fixed("internal")),
            (AWS_INTERNAL, SetValue::Fixed("true")),
            (AWS_TARGET, SetValue::AwsTargetType),
        ],
    },
    CloudSet {
        cloud: Cloud::Gcp,
        scheme: Scheme::InternetFacing,
        annotations: &[("cloud.google.com/l4-rbs", SetValue::Fixed("enabled"))],
    },
    CloudSet {
        cloud: Cloud::Gcp,
        scheme: Scheme::Internal,
        annotations: &[(
            "networking.gke.io/load-balancer-type",
            SetValue::Fixed("Internal"),
        )],
    },
    CloudSet {
        cloud: Cloud::Azure,
        scheme: Scheme::InternetFacing,
        annotations: &[],
    },
    CloudSet {
        cloud: Cloud::Azure,
        scheme: Scheme::Internal,
        annotations: &[(
            "service.beta.kubernetes.io/azure-load-balancer-internal",
            SetValue::Fixed("true"),
        )],
    },
    // OCI: `load-balancer-type: nlb` asks for a Network Load Balancer (pass-through,
    // Layer 4) instead of the flexible Load Balancer; an NLB is internal with
    // `oci-network-load-balancer.oraclecloud.com/internal` (oracle/oci-cloud-controller-manager
    // pkg/cloudprovider/providers/oci/load_balancer_spec.go: ServiceAnnotationLoadBalancerType,
    // NLB = "nlb", ServiceAnnotationNetworkLoadBalancerInternal, isInternalLB).
    CloudSet {
        cloud: Cloud::Oci,
        scheme: Scheme::InternetFacing,
        annotations: &[(OCI_TYPE, SetValue::Fixed("nlb"))],
    },
    CloudSet {
        cloud: Cloud::Oci,
        scheme: Scheme::Internal,
        annotations: &[
            (OCI_TYPE, SetValue::Fixed("nlb")),
            (
                "oci-network-load-balancer.oraclecloud.com/internal",
                SetValue::Fixed("true"),
            ),
        ],
    },
    // DigitalOcean: forwarding rules are TCP unless an annotation says otherwise; the
    // network is EXTERNAL by default, INTERNAL keeps the load balancer in the VPC
    // (digitalocean/digitalocean-cloud-controller-manager cloud-controller-manager/do/lb_annotations.go
    // annDOProtocol, annDONetwork; loadbalancers.go getProtocol, getNetwork).
    CloudSet {
        cloud: Cloud::Digitalocean,
        scheme: Scheme::InternetFacing,
        annotations: &[],
    },
    CloudSet {
        cloud: Cloud::Digitalocean,
        scheme: Scheme::Internal,
        annotations: &[(
            "service.beta.kubernetes.io/do-loadbalancer-network",
            SetValue::Fixed("INTERNAL"),
        )],
    },
    // Hetzner: services are `tcp` by default; `disable-public-network` routes all
    // traffic over the private network the CCM is configured with
    // (hetznercloud/hcloud-cloud-controller-manager internal/annotation/load_balancer.go
    // LBSvcProtocol, LBDisablePublicNetwork; docs/reference/load_balancer_annotations.md).
    CloudSet {
        cloud: Cloud::Hetzner,
        scheme: Scheme::InternetFacing,
        annotations: &[],
    },
    CloudSet {
        cloud: Cloud::Hetzner,
        scheme: Scheme::Internal,
        annotations: &[(
            "load-balancer.hetzner.cloud/disable-public-network",
            SetValue::Fixed("true"),
        )],
    },
    // On-premises: MetalLB and Cilium LB-IPAM only hand out addresses; the traffic is
    // plain Layer 4 and whether it is internal depends on the address pool.
    CloudSet {
        cloud: Cloud::Onprem,
        scheme: Scheme::InternetFacing,
        annotations: &[],
    },
    CloudSet {
        cloud: Cloud::Onprem,
        scheme: Scheme::Internal,
        annotations: &[],
    },
];

const OCI_TYPE: &str = "oci.oraclecloud.com/load-balancer-type";

/// A `spec.loadBalancerClass` a cloud's load-balancer controller owns (`--lb-class`).
#[derive(Debug, Serialize)]
pub struct LbClass {
    pub class: &'static str,
    pub cloud: Cloud,
    /// The scheme the class itself decides, when it does.
    pub scheme: Option<Scheme>,
    /// Keys of the cloud's Layer-4 set that the class makes unnecessary: the class,
    /// not the annotation, picks the load balancer.
    pub omits: &'static [&'static str],
    pub note: &'static str,
    pub source: &'static str,
}

/// The load-balancer classes the rules know. A Service whose class another
/// controller owns is ignored by the others: a class of another cloud builds nothing.
pub const LB_CLASSES: &[LbClass] = &[
    LbClass {
        class: "service.k8s.aws/nlb",
        cloud: Cloud::Aws,
        scheme: None,
        omits: &[AWS_TYPE],
        note: "AWS Load Balancer Controller NLB (its webhook sets it on new LoadBalancer Services); with a class the target type defaults to instance and the scheme to internal",
        // kubernetes-sigs/aws-load-balancer-controller pkg/config/service_config.go
        // (defaultLoadBalancerClass), pkg/service/service_utils.go (IsServiceSupported: a
        // class decides before the type annotation), docs/guide/service/annotations.md
        // ("default instance in case of LoadBalancerClass").
        source: "kubernetes-sigs/aws-load-balancer-controller pkg/service/service_utils.go, docs/guide/service/annotations.md",
    },
    LbClass {
        class: "eks.amazonaws.com/nlb",
        cloud: Cloud::Aws,
        scheme: None,
        omits: &[AWS_TYPE],
        note: "EKS Auto Mode NLB (the cluster default in Auto Mode); reads aws-load-balancer-scheme",
        // AWS EKS user guide "Use Service Annotations to configure Network Load Balancers"
        // (auto-configure-nlb).
        source: "docs.aws.amazon.com/eks/latest/userguide/auto-configure-nlb.html",
    },
    LbClass {
        class: "networking.gke.io/l4-regional-external",
        cloud: Cloud::Gcp,
        scheme: Some(Scheme::InternetFacing),
        omits: &["cloud.google.com/l4-rbs"],
        note: "GKE >= 1.33.1-gke.1779000: backend-service-based external passthrough NLB (replaces the l4-rbs annotation)",
        // kubernetes/ingress-gce pkg/utils/common/service.go
        // (RegionalExternalLoadBalancerClass: the RBS NetLB; IsRBSL4NetLB); GKE docs,
        // concepts/service-load-balancer ("Type of load balancer").
        source: "kubernetes/ingress-gce pkg/utils/common/service.go; cloud.google.com/kubernetes-engine/docs/concepts/service-load-balancer",
    },
    LbClass {
        class: "networking.gke.io/l4-regional-internal",
        cloud: Cloud::Gcp,
        scheme: Some(Scheme::Internal),
        omits: &["networking.gke.io/load-balancer-type"],
        note: "GKE >= 1.33.1-gke.1779000: internal passthrough NLB (replaces the load-balancer-type annotation)",
        // kubernetes/ingress-gce pkg/utils/common/service.go (RegionalInternalLoadBalancerClass:
        // the subsetting ILB; IsSubsettingL4ILBService).
        source: "kubernetes/ingress-gce pkg/utils/common/service.go",
    },
    LbClass {
        class: "io.cilium/bgp-control-plane",
        cloud: Cloud::Onprem,
        scheme: None,
        omits: &[],
        note: "Cilium LB-IPAM address announced over BGP",
        // cilium/cilium Documentation/network/lb-ipam.rst ("LoadBalancerClass").
        source: "cilium/cilium Documentation/network/lb-ipam.rst",
    },
    LbClass {
        class: "io.cilium/l2-announcer",
        cloud: Cloud::Onprem,
        scheme: None,
        omits: &[],
        note: "Cilium LB-IPAM address announced on Layer 2 (ARP/NDP)",
        source: "cilium/cilium Documentation/network/lb-ipam.rst",
    },
];

/// The known load-balancer class `class`.
pub fn lb_class(class: &str) -> Option<&'static LbClass> {
    LB_CLASSES.iter().find(|c| c.class == class)
}

/// The annotations a target Service gets for `cloud` and `scheme`.
pub fn l4_annotations(
    cloud: Cloud,
    scheme: Scheme,
    target: TargetType,
) -> Vec<(&'static str, &'static str)> {
    CLOUD_SETS
        .iter()
        .filter(|set| set.cloud == cloud && set.scheme == scheme)
        .flat_map(|set| set.annotations.iter())
        .map(|&(k, v)| match v {
            SetValue::Fixed(v) => (k, v),
            SetValue::AwsTargetType => (k, target.name()),
        })
        .collect()
}

/// The Layer-4 set of a Service whose `spec.loadBalancerClass` is `class`: a class of
/// `cloud` that picks the load balancer itself makes some keys unnecessary (GKE's
/// regional classes replace `l4-rbs`; with an AWS class the type annotation is not read).
pub fn l4_annotations_for_class(
    cloud: Cloud,
    scheme: Scheme,
    target: TargetType,
    class: Option<&str>,
) -> Vec<(&'static str, &'static str)> {
    let omits = class
        .and_then(lb_class)
        .filter(|c| c.cloud == cloud)
        .map_or(&[][..], |c| c.omits);
    l4_annotations(cloud, scheme, target)
        .into_iter()
        .filter(|(k, _)| !omits.contains(k))
        .collect()
}

/// Keys of `cloud`'s sets for the other scheme that contradict the chosen one (an
/// internet-facing GCP Service must not keep `load-balancer-type: Internal`).
pub fn contradicting_keys(cloud: Cloud, scheme: Scheme) -> Vec<&'static str> {
    let chosen: Vec<&str> = l4_annotations(cloud, scheme, TargetType::Ip)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    CLOUD_SETS
        .iter()
        .filter(|set| set.cloud == cloud && set.scheme != scheme)
        .flat_map(|set| set.annotations.iter().map(|&(k, _)| k))
        .filter(|k| !chosen.contains(k))
        .collect()
}

/// Whether `key: value` on a Service contradicts the chosen scheme. For internet-facing:
/// a key outside the chosen set that makes the load balancer internal
/// ([`makes_internal`]). For internal: a key of the other scheme's set with that set's
/// value. (`disable-public-network: "false"` on an internet-facing Hetzner Service says
/// what the scheme wants, and stays: it matters when the controller's own default is
/// private.)
pub fn contradicts(cloud: Cloud, scheme: Scheme, key: &str, value: Option<&str>) -> bool {
    if scheme == Scheme::InternetFacing {
        // A key of the chosen set gets the set's value instead (`scheme: internal`).
        let chosen = l4_annotations(cloud, scheme, TargetType::Ip);
        return !chosen.iter().any(|&(k, _)| k == key) && makes_internal(cloud, key, value);
    }
    contradicting_keys(cloud, scheme).contains(&key)
        && CLOUD_SETS
            .iter()
            .filter(|set| set.cloud == cloud && set.scheme != scheme)
            .flat_map(|set| set.annotations.iter())
            .any(|&(k, v)| {
                k == key
                    && match v {
                        SetValue::Fixed(v) => {
                            value.is_some_and(|have| have.eq_ignore_ascii_case(v))
                        }
                        SetValue::AwsTargetType => true,
                    }
            })
}

/// How a provider reads an internal-scheme key's value.
#[derive(Clone, Copy, Debug)]
pub enum Reads {
    /// This value (letter case aside).
    Is(&'static str),
    /// Any value but empty and `false`.
    NotFalse,
}

impl Reads {
    fn matches(self, value: Option<&str>) -> bool {
        match self {
            Reads::Is(v) => value.is_some_and(|have| have.eq_ignore_ascii_case(v)),
            Reads::NotFalse => value.is_some_and(|have| {
                let have = have.trim();
                !have.is_empty() && !have.eq_ignore_ascii_case("false")
            }),
        }
    }
}

/// Keys that make a cloud's load balancer internal, beside the internal sets' own
/// values: how the provider reads them. The internet-facing set removes them (they
/// contradict it); without `--scheme`, SE116 refuses to (the load balancer is internal).
pub const INTERNAL_MARKERS: &[(Cloud, &str, Reads)] = &[
    // The in-tree provider (a kept `nlb`) reads any value but "" and "false" as internal,
    // the historical "0.0.0.0/0" included (kubernetes/cloud-provider-aws pkg/providers/v1/aws.go,
    // ServiceAnnotationLoadBalancerInternal).
    (Cloud::Aws, AWS_INTERNAL, Reads::NotFalse),
    // The flexible Load Balancer's key; the Network Load Balancer the set asks for reads
    // `oci-network-load-balancer.oraclecloud.com/internal` (oracle/oci-cloud-controller-manager
    // pkg/cloudprovider/providers/oci/load_balancer_spec.go, ServiceAnnotationLoadBalancerInternal).
    (
        Cloud::Oci,
        "service.beta.kubernetes.io/oci-load-balancer-internal",
        Reads::Is("true"),
    ),
    // GKE's older spelling, still read (kubernetes/cloud-provider-gcp
    // providers/gce/gce_annotations.go, deprecatedServiceAnnotationLoadBalancerType, with
    // "Internal" or the lower-case "internal").
    (
        Cloud::Gcp,
        "cloud.google.com/load-balancer-type",
        Reads::Is("Internal"),
    ),
];

/// Whether `key: value` makes `cloud`'s load balancer internal: an internal set's key with
/// its internal value (`aws-load-balancer-scheme: internal`,
/// `networking.gke.io/load-balancer-type: Internal`), or a key of [`INTERNAL_MARKERS`].
pub fn makes_internal(cloud: Cloud, key: &str, value: Option<&str>) -> bool {
    if INTERNAL_MARKERS
        .iter()
        .any(|&(c, k, reads)| c == cloud && k == key && reads.matches(value))
    {
        return true;
    }
    let internet: Vec<(&str, &str)> = l4_annotations(cloud, Scheme::InternetFacing, TargetType::Ip);
    CLOUD_SETS
        .iter()
        .filter(|set| set.cloud == cloud && set.scheme == Scheme::Internal)
        .flat_map(|set| set.annotations.iter())
        .any(|&(k, v)| {
            k == key
                && matches!(v, SetValue::Fixed(v) if value.is_some_and(|have| have.eq_ignore_ascii_case(v)))
                && !internet.contains(&(k, value.unwrap_or_default()))
        })
}

/// How an annotation key is recognised.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(tag = "match", content = "pattern", rename_all = "kebab-case")]
pub enum KeyMatch {
    Exact(&'static str),
    Prefix(&'static str),
}

impl KeyMatch {
    pub fn matches(self, key: &str) -> bool {
        match self {
            KeyMatch::Exact(k) => key == k,
            KeyMatch::Prefix(p) => key.starts_with(p),
        }
    }

    pub fn pattern(self) -> String {
        match self {
            KeyMatch::Exact(k) => k.to_string(),
            KeyMatch::Prefix(p) => format!("{p}*"),
        }
    }
}

/// Load-balancer annotation keys that belong to each cloud: on a target Service
/// rendered for another cloud they are stripped (they would configure nothing, or
/// something wrong).
pub const CLOUD_KEYS: &[(Cloud, KeyMatch)] = &[
    (
        Cloud::Aws,
        KeyMatch::Prefix("service.beta.kubernetes.io/aws-load-balancer-"),
    ),
    (Cloud::Gcp, KeyMatch::Exact("cloud.google.com/l4-rbs")),
    (
        Cloud::Gcp,
        KeyMatch::Exact("cloud.google.com/load-balancer-type"),
    ),
    (
        Cloud::Gcp,
        KeyMatch::Prefix("networking.gke.io/load-balancer-"),
    ),
    (
        Cloud::Gcp,
        KeyMatch::Prefix("networking.gke.io/internal-load-balancer-"),
    ),
    (
        Cloud::Azure,
        KeyMatch::Prefix("service.beta.kubernetes.io/azure-"),
    ),
    (
        Cloud::Azure,
        KeyMatch::Prefix("service.beta.kubernetes.io/port_"),
    ),
    // oracle/oci-cloud-controller-manager pkg/cloudprovider/providers/oci/load_balancer_spec.go:
    // the Load Balancer keys, the `oci.oraclecloud.com/` keys of both kinds, the NLB keys.
    (
        Cloud::Oci,
        KeyMatch::Prefix("service.beta.kubernetes.io/oci-load-balancer-"),
    ),
    (Cloud::Oci, KeyMatch::Prefix("oci.oraclecloud.com/")),
    (
        Cloud::Oci,
        KeyMatch::Prefix("oci-network-load-balancer.oraclecloud.com/"),
    ),
    // digitalocean/digitalocean-cloud-controller-manager cloud-controller-manager/do/lb_annotations.go
    // (annDOLoadBalancerBase, annDODisownLB, annDOLoadBalancerID).
    (
        Cloud::Digitalocean,
        KeyMatch::Prefix("service.beta.kubernetes.io/do-loadbalancer-"),
    ),
    (
        Cloud::Digitalocean,
        KeyMatch::Exact("service.kubernetes.io/do-loadbalancer-disown"),
    ),
    (
        Cloud::Digitalocean,
        KeyMatch::Exact("kubernetes.digitalocean.com/load-balancer-id"),
    ),
    // hetznercloud/hcloud-cloud-controller-manager internal/annotation/load_balancer.go.
    (
        Cloud::Hetzner,
        KeyMatch::Prefix("load-balancer.hetzner.cloud/"),
    ),
    // Address allocation on premises, Layer 4 by nature: MetalLB (metallb/metallb
    // controller/service.go AnnotationPrefix `metallb.io`, DeprecatedAnnotationPrefix
    // `metallb.universe.tf`) and Cilium LB-IPAM (cilium/cilium
    // Documentation/network/lb-ipam.rst: `lbipam.cilium.io/ips`, `/sharing-key`,
    // `/sharing-cross-namespace`).
    (Cloud::Onprem, KeyMatch::Prefix("metallb.io/")),
    (Cloud::Onprem, KeyMatch::Prefix("metallb.universe.tf/")),
    (Cloud::Onprem, KeyMatch::Prefix("lbipam.cilium.io/")),
];

/// The cloud a load-balancer key belongs to.
pub fn cloud_of_key(key: &str) -> Option<Cloud> {
    CLOUD_KEYS
        .iter()
        .find(|(_, m)| m.matches(key))
        .map(|&(c, _)| c)
}

/// What kind of object a catalogue key is found on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum On {
    Service,
    Ingress,
}

/// Why a key is in the catalogue; decides the lint rule that reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Why {
    /// Layer-7 processing (HTTP listeners, timeouts, rewrites).
    L7,
    /// TLS terminated before the router.
    TlsTermination,
    /// PROXY protocol header in front of the TLS handshake.
    ProxyProtocol,
}

/// A condition on the value, for keys that are only L7 with some values.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum When {
    Always,
    /// `cloud.google.com/neg` asking for `"ingress": true`.
    NegForIngress,
    /// The value is one of these (ASCII case-insensitive, surrounding spaces ignored);
    /// other values are Layer 4 and kept.
    ValueIn(&'static [&'static str]),
    /// The value is true as Go's `strconv.ParseBool` reads it (`1`, `t`, `true`, …),
    /// the way the cloud-controller-managers parse their boolean annotations.
    True,
    /// A `k1=v1,k2=v2` attribute list (AWS's stringMap) sets this attribute to `true`.
    AttributeTrue(&'static str),
}

impl When {
    /// Whether `value` meets the condition.
    pub fn holds(self, value: Option<&str>) -> bool {
        match self {
            When::Always => true,
            When::NegForIngress => value.is_some_and(neg_asks_for_ingress),
            When::ValueIn(values) => value.is_some_and(|v| {
                values
                    .iter()
                    .any(|want| v.trim().eq_ignore_ascii_case(want))
            }),
            When::True => value.is_some_and(go_bool_true),
            // The controller reads the list into a map: the last pair for a name wins.
            When::AttributeTrue(name) => value.is_some_and(|v| {
                attribute_pairs(v)
                    .filter(|&(k, _)| k == name)
                    .last()
                    .is_some_and(|(_, v)| v.eq_ignore_ascii_case("true"))
            }),
        }
    }
}

/// `strconv.ParseBool`'s true values.
fn go_bool_true(value: &str) -> bool {
    matches!(value, "1" | "t" | "T" | "TRUE" | "true" | "True")
}

/// The `key=value` pairs of an AWS stringMap annotation (`k1=v1,k2=v2`), trimmed.
pub fn attribute_pairs(value: &str) -> impl Iterator<Item = (&str, &str)> {
    value.split(',').filter_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        Some((k.trim(), v.trim()))
    })
}

/// `value` without the pairs that set `name` (what is left of an AWS stringMap).
pub fn without_attribute(value: &str, name: &str) -> String {
    value
        .split(',')
        .filter(|pair| pair.split_once('=').is_none_or(|(k, _)| k.trim() != name))
        .map(str::trim)
        .filter(|pair| !pair.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

#[derive(Debug, Serialize)]
pub struct L7Key {
    pub on: On,
    pub key: KeyMatch,
    pub why: Why,
    pub when: When,
    pub note: &'static str,
}

const fn svc(key: KeyMatch, why: Why, note: &'static str) -> L7Key {
    L7Key {
        on: On::Service,
        key,
        why,
        when: When::Always,
        note,
    }
}

const fn svc_when(key: KeyMatch, why: Why, when: When, note: &'static str) -> L7Key {
    L7Key {
        on: On::Service,
        key,
        why,
        when,
        note,
    }
}

const fn ing(key: KeyMatch, note: &'static str) -> L7Key {
    L7Key {
        on: On::Ingress,
        key,
        why: Why::L7,
        when: When::Always,
        note,
    }
}

use KeyMatch::{Exact, Prefix};

/// §5.2: keys that mean L7 or TLS termination.
pub const L7_KEYS: &[L7Key] = &[
    svc(
        Exact("service.beta.kubernetes.io/aws-load-balancer-ssl-cert"),
        Why::TlsTermination,
        "creates TLS listeners on the NLB: TLS would end before spaces-router",
    ),
    svc(
        Exact("service.beta.kubernetes.io/aws-load-balancer-ssl-ports"),
        Why::TlsTermination,
        "selects the ports that terminate TLS on the NLB",
    ),
    svc(
        Exact("service.beta.kubernetes.io/aws-load-balancer-ssl-negotiation-policy"),
        Why::TlsTermination,
        "TLS policy of a terminating listener",
    ),
    svc(
        Exact("service.beta.kubernetes.io/aws-load-balancer-alpn-policy"),
        Why::TlsTermination,
        "ALPN on a terminating TLS listener",
    ),
    // aws-load-balancer-controller docs/guide/service/annotations.md ("backend-protocol":
    // `ssl` or `tcp`, the default); the in-tree provider's Classic ELB also reads
    // `http`/`https`. `tcp` is Layer 4 and kept.
    svc_when(
        Exact("service.beta.kubernetes.io/aws-load-balancer-backend-protocol"),
        Why::L7,
        When::ValueIn(&["ssl", "http", "https"]),
        "ssl/http/https backends re-encrypt or speak HTTP (Classic ELB)",
    ),
    svc(
        Exact("service.beta.kubernetes.io/aws-load-balancer-proxy-protocol"),
        Why::ProxyProtocol,
        "prepends a PROXY header the router's TLS handshake does not expect",
    ),
    // aws-load-balancer-controller docs/guide/service/annotations.md ("proxy-protocol-v2"):
    // PROXY protocol v2 for the target groups of the listed ports.
    svc(
        Exact("service.beta.kubernetes.io/aws-load-balancer-proxy-protocol-per-target-group"),
        Why::ProxyProtocol,
        "PROXY protocol v2 on the listed ports' target groups: a header the router's TLS handshake does not expect",
    ),
    // aws-load-balancer-controller docs/guide/service/annotations.md
    // ("target-group-attributes", also per port `….<port>`): the form most charts use
    // for PROXY protocol. Only that attribute goes; the others stay.
    svc_when(
        Prefix("service.beta.kubernetes.io/aws-load-balancer-target-group-attributes"),
        Why::ProxyProtocol,
        When::AttributeTrue(PROXY_PROTOCOL_V2_ATTRIBUTE),
        "proxy_protocol_v2.enabled=true prepends a PROXY header the router's TLS handshake does not expect",
    ),
    svc(
        Exact("service.beta.kubernetes.io/aws-load-balancer-connection-idle-timeout"),
        Why::L7,
        "Classic ELB idle timeout: cuts long watches",
    ),
    svc(
        Exact("cloud.google.com/backend-config"),
        Why::L7,
        "BackendConfig belongs to the L7 load balancer (30 s backend timeout)",
    ),
    svc(
        Exact("beta.cloud.google.com/backend-config"),
        Why::L7,
        "BackendConfig belongs to the L7 load balancer (30 s backend timeout)",
    ),
    svc(
        Exact("cloud.google.com/app-protocols"),
        Why::L7,
        "HTTP/HTTPS backend protocol of the L7 load balancer",
    ),
    svc(
        Exact("service.alpha.kubernetes.io/app-protocols"),
        Why::L7,
        "HTTP/HTTPS backend protocol of the L7 load balancer",
    ),
    // OCI Load Balancer (not NLB) keys: TLS listeners, HTTP/GRPC backends, PROXY
    // protocol (oracle/oci-cloud-controller-manager pkg/cloudprovider/providers/oci/load_balancer_spec.go:
    // ServiceAnnotationLoadBalancerSSLPorts, …TLSSecret, …BEProtocol accepting TCP/HTTP/GRPC,
    // …ConnectionProxyProtocolVersion, …ListenerSSLConfig, …RuleSets;
    // ServiceAnnotationNetworkLoadBalancerIsPpv2Enabled for the NLB).
    svc(
        Exact("service.beta.kubernetes.io/oci-load-balancer-ssl-ports"),
        Why::TlsTermination,
        "ports whose OCI listener terminates TLS",
    ),
    svc(
        Exact("service.beta.kubernetes.io/oci-load-balancer-tls-secret"),
        Why::TlsTermination,
        "certificate of a terminating OCI listener",
    ),
    svc(
        Exact("oci.oraclecloud.com/oci-load-balancer-listener-ssl-config"),
        Why::TlsTermination,
        "cipher suite of a terminating OCI listener",
    ),
    svc_when(
        Exact("service.beta.kubernetes.io/oci-load-balancer-backend-protocol"),
        Why::L7,
        When::ValueIn(&["http", "grpc"]),
        "HTTP/GRPC listeners of the OCI Load Balancer",
    ),
    svc(
        Exact("oci.oraclecloud.com/oci-load-balancer-rule-sets"),
        Why::L7,
        "HTTP rule sets of the OCI Load Balancer",
    ),
    svc(
        Exact("service.beta.kubernetes.io/oci-load-balancer-connection-proxy-protocol-version"),
        Why::ProxyProtocol,
        "PROXY protocol on the OCI Load Balancer's listeners",
    ),
    svc_when(
        Exact("oci-network-load-balancer.oraclecloud.com/is-ppv2-enabled"),
        Why::ProxyProtocol,
        When::ValueIn(&["true"]),
        "PROXY protocol v2 on the OCI Network Load Balancer's listeners",
    ),
    // DigitalOcean (digitalocean/digitalocean-cloud-controller-manager
    // cloud-controller-manager/do/lb_annotations.go; loadbalancers.go getProtocol accepts
    // tcp/http/https/http2/http3, buildTLSForwardingRule terminates with a certificate).
    // `tls-passthrough` is kept: it passes TLS through.
    svc_when(
        Exact("service.beta.kubernetes.io/do-loadbalancer-protocol"),
        Why::L7,
        When::ValueIn(&["http", "https", "http2", "http3"]),
        "HTTP forwarding rules on the DigitalOcean load balancer",
    ),
    svc(
        Exact("service.beta.kubernetes.io/do-loadbalancer-http-ports"),
        Why::L7,
        "ports with HTTP forwarding rules",
    ),
    svc(
        Exact("service.beta.kubernetes.io/do-loadbalancer-http2-ports"),
        Why::L7,
        "ports with HTTP/2 forwarding rules",
    ),
    svc(
        Exact("service.beta.kubernetes.io/do-loadbalancer-http3-port"),
        Why::L7,
        "port with an HTTP/3 forwarding rule",
    ),
    svc(
        Exact("service.beta.kubernetes.io/do-loadbalancer-tls-ports"),
        Why::TlsTermination,
        "ports with HTTPS forwarding rules",
    ),
    svc(
        Exact("service.beta.kubernetes.io/do-loadbalancer-certificate-id"),
        Why::TlsTermination,
        "certificate the DigitalOcean load balancer terminates TLS with",
    ),
    svc(
        Exact("service.beta.kubernetes.io/do-loadbalancer-certificate-name"),
        Why::TlsTermination,
        "certificate the DigitalOcean load balancer terminates TLS with",
    ),
    svc_when(
        Exact("service.beta.kubernetes.io/do-loadbalancer-enable-proxy-protocol"),
        Why::ProxyProtocol,
        When::True,
        "PROXY protocol on the DigitalOcean load balancer",
    ),
    // Hetzner (hetznercloud/hcloud-cloud-controller-manager internal/annotation/load_balancer.go,
    // name.go validateServiceProtocol lower-cases tcp/http/https; BoolFromService is
    // strconv.ParseBool).
    svc_when(
        Exact("load-balancer.hetzner.cloud/protocol"),
        Why::L7,
        When::ValueIn(&["http", "https"]),
        "HTTP service on the Hetzner load balancer",
    ),
    svc(
        Exact("load-balancer.hetzner.cloud/http-certificates"),
        Why::TlsTermination,
        "certificates the Hetzner load balancer terminates TLS with",
    ),
    svc(
        Exact("load-balancer.hetzner.cloud/http-managed-certificate-name"),
        Why::TlsTermination,
        "managed certificate the Hetzner load balancer terminates TLS with",
    ),
    svc(
        Exact("load-balancer.hetzner.cloud/http-managed-certificate-domains"),
        Why::TlsTermination,
        "managed certificate the Hetzner load balancer terminates TLS with",
    ),
    svc_when(
        Exact("load-balancer.hetzner.cloud/uses-proxyprotocol"),
        Why::ProxyProtocol,
        When::True,
        "PROXY protocol on the Hetzner load balancer's services",
    ),
    L7Key {
        on: On::Service,
        key: Exact("cloud.google.com/neg"),
        why: Why::L7,
        when: When::NegForIngress,
        note: "NEGs for an Ingress mean the L7 load balancer",
    },
    ing(
        Prefix("alb.ingress.kubernetes.io/"),
        "AWS Application Load Balancer (L7, 60 s idle timeout)",
    ),
    ing(
        Prefix("appgw.ingress.kubernetes.io/"),
        "Azure Application Gateway (L7, 30 s request timeout)",
    ),
    ing(
        Exact("networking.gke.io/v1beta1.FrontendConfig"),
        "GKE L7 frontend settings",
    ),
    ing(
        Exact("networking.gke.io/managed-certificates"),
        "certificates terminated by the GKE L7 load balancer",
    ),
    ing(
        Exact("ingress.gcp.kubernetes.io/pre-shared-cert"),
        "certificates terminated by the GKE L7 load balancer",
    ),
    ing(
        Exact("kubernetes.io/ingress.allow-http"),
        "HTTP listener of the GKE L7 load balancer",
    ),
    ing(
        Exact("kubernetes.io/ingress.global-static-ip-name"),
        "address of the GKE L7 load balancer",
    ),
    ing(
        Exact("nginx.ingress.kubernetes.io/proxy-read-timeout"),
        "HTTP proxy timeout: void under passthrough",
    ),
    ing(
        Exact("nginx.ingress.kubernetes.io/proxy-send-timeout"),
        "HTTP proxy timeout: void under passthrough",
    ),
    ing(
        Exact("nginx.ingress.kubernetes.io/proxy-connect-timeout"),
        "HTTP proxy timeout: void under passthrough",
    ),
    ing(
        Exact("nginx.ingress.kubernetes.io/proxy-body-size"),
        "HTTP body limit: void under passthrough",
    ),
    ing(
        Exact("nginx.ingress.kubernetes.io/proxy-buffering"),
        "HTTP buffering: void under passthrough",
    ),
    ing(
        Exact("nginx.ingress.kubernetes.io/proxy-request-buffering"),
        "HTTP buffering: void under passthrough",
    ),
    ing(
        Exact("nginx.ingress.kubernetes.io/proxy-http-version"),
        "HTTP version: void under passthrough",
    ),
    ing(
        Exact("nginx.ingress.kubernetes.io/rewrite-target"),
        "URL rewrite: void under passthrough",
    ),
    ing(
        Exact("nginx.ingress.kubernetes.io/use-regex"),
        "path matching: void under passthrough",
    ),
    ing(
        Exact("nginx.ingress.kubernetes.io/configuration-snippet"),
        "NGINX snippet: void under passthrough",
    ),
    ing(
        Exact("nginx.ingress.kubernetes.io/server-snippet"),
        "NGINX snippet: void under passthrough",
    ),
    ing(
        Prefix("nginx.ingress.kubernetes.io/proxy-ssl-"),
        "TLS to the backend from the proxy: void under passthrough",
    ),
    ing(
        Prefix("nginx.ingress.kubernetes.io/auth-tls-"),
        "client certificates checked by the proxy: the router must see them",
    ),
];

/// Ingress keys kept on purpose although they look like L7 settings: Upbound's own
/// values set `backend-protocol` beside passthrough, and the redirect keys are
/// harmless under passthrough (and Traefik's NGINX provider reads `force-ssl-redirect`).
pub const KEPT_INGRESS_KEYS: &[&str] = &[
    "nginx.ingress.kubernetes.io/backend-protocol",
    "nginx.ingress.kubernetes.io/ssl-redirect",
    "nginx.ingress.kubernetes.io/force-ssl-redirect",
];

/// The catalogue entry that makes `key` (with `value`) an L7 key on `on`.
pub fn l7_key(on: On, key: &str, value: Option<&str>) -> Option<&'static L7Key> {
    if on == On::Ingress && KEPT_INGRESS_KEYS.contains(&key) {
        return None;
    }
    L7_KEYS
        .iter()
        .find(|entry| entry.on == on && entry.key.matches(key) && entry.when.holds(value))
}

/// The target-group attribute that turns PROXY protocol v2 on.
pub const PROXY_PROTOCOL_V2_ATTRIBUTE: &str = "proxy_protocol_v2.enabled";

/// The AWS listener attributes annotation of one listener (`….TCP-443`): the NLB TCP
/// idle timeout lives there (aws-load-balancer-controller docs/guide/service/annotations.md
/// "listener-attributes"). Layer 4: never stripped on AWS.
pub const AWS_LISTENER_ATTRIBUTES_PREFIX: &str =
    "service.beta.kubernetes.io/aws-load-balancer-listener-attributes.";
/// The listener attribute of the NLB's TCP idle timeout, in seconds.
pub const AWS_IDLE_TIMEOUT_ATTRIBUTE: &str = "tcp.idle_timeout.seconds";
/// The NLB TCP idle timeout AWS accepts, and its default (AWS ELB docs,
/// network/update-idle-timeout: 60–6000 seconds, 350 by default).
pub const AWS_IDLE_TIMEOUT_RANGE: std::ops::RangeInclusive<u32> = 60..=6000;
pub const AWS_IDLE_TIMEOUT_DEFAULT: u32 = 350;

/// `{"ingress": true}` in a `cloud.google.com/neg` value (JSON).
fn neg_asks_for_ingress(value: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(value)
        .ok()
        .and_then(|v| v.get("ingress").and_then(serde_json::Value::as_bool))
        .unwrap_or(false)
}

/// The AWS load-balancer types that are Layer 4 (the controller's `external`, the
/// in-tree `nlb` and the legacy `nlb-ip`).
pub const AWS_L4_TYPES: &[&str] = &["external", "nlb", "nlb-ip"];
pub const AWS_TYPE_KEY: &str = AWS_TYPE;
pub const AWS_SCHEME_KEY: &str = AWS_SCHEME;
pub const AWS_TARGET_KEY: &str = AWS_TARGET;
pub const OCI_TYPE_KEY: &str = OCI_TYPE;

/// A label value in a controller preset.
#[derive(Clone, Copy, Debug, Serialize)]
#[serde(untagged)]
pub enum LabelValue {
    Fixed(&'static str),
    /// The Gateway's name (`--gateway`).
    #[serde(serialize_with = "gateway_placeholder")]
    GatewayName,
    /// The Gateway's namespace.
    #[serde(serialize_with = "gateway_ns_placeholder")]
    GatewayNamespace,
    /// This prefix and the Gateway's name (`envoy-<gateway>`).
    #[serde(serialize_with = "prefixed_gateway_placeholder")]
    PrefixedGatewayName(&'static str),
}

impl LabelValue {
    /// The value for a Gateway `gateway` in `namespace`.
    pub fn fill(self, gateway: &str, namespace: &str) -> String {
        match self {
            LabelValue::Fixed(v) => v.to_string(),
            LabelValue::GatewayName => gateway.to_string(),
            LabelValue::GatewayNamespace => namespace.to_string(),
            LabelValue::PrefixedGatewayName(prefix) => format!("{prefix}{gateway}"),
        }
    }

    /// The value as `presets` shows it (`<gateway>` for the Gateway's name).
    pub fn shown(self) -> String {
        match self {
            LabelValue::Fixed(v) => v.to_string(),
            LabelValue::GatewayName => "<gateway>".to_string(),
            LabelValue::GatewayNamespace => "<gateway namespace>".to_string(),
            LabelValue::PrefixedGatewayName(prefix) => format!("{prefix}<gateway>"),
        }
    }
}

fn gateway_placeholder<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("<gateway>")
}

fn gateway_ns_placeholder<S: serde::Serializer>(s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("<gateway namespace>")
}

fn prefixed_gateway_placeholder<S: serde::Serializer>(
    prefix: &&'static str,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{prefix}<gateway>"))
}

#[derive(Debug, Serialize)]
pub struct ControllerPreset {
    pub name: &'static str,
    pub description: &'static str,
    pub pod_labels: &'static [(&'static str, LabelValue)],
    pub namespace_labels: &'static [(&'static str, LabelValue)],
    /// Annotations that switch an Ingress to TLS passthrough; empty for controllers
    /// that only do passthrough through Gateway API.
    pub ingress_passthrough: &'static [(&'static str, &'static str)],
    /// Ingress classes that the controller's passthrough provider watches by default (to
    /// infer the controller from an Ingress; a class two presets watch names neither).
    pub ingress_classes: &'static [&'static str],
    /// Cilium: admitted by a CiliumNetworkPolicy, not by NetworkPolicy labels.
    pub cilium_policy: bool,
    /// What to check before relying on the labels (`presets` and `guide` show it).
    pub notes: &'static str,
    pub source: &'static str,
}

impl ControllerPreset {
    pub fn gateway_only(&self) -> bool {
        self.ingress_passthrough.is_empty()
    }
}

const NS: &str = "kubernetes.io/metadata.name";
const GATEWAY_NAME: &str = "gateway.networking.k8s.io/gateway-name";

const fn gateway_namespaced(
    name: &'static str,
    description: &'static str,
    source: &'static str,
) -> ControllerPreset {
    ControllerPreset {
        name,
        description,
        pod_labels: &[(GATEWAY_NAME, LabelValue::GatewayName)],
        namespace_labels: &[(NS, LabelValue::GatewayNamespace)],
        ingress_passthrough: &[],
        ingress_classes: &[],
        cilium_policy: false,
        notes: "",
        source,
    }
}

/// §5.3: the controllers whose data plane may sit in front of spaces-router.
pub const CONTROLLERS: &[ControllerPreset] = &[
    ControllerPreset {
        name: "envoy-gateway",
        description: "Envoy Gateway, proxies in envoy-gateway-system",
        pod_labels: &[
            ("app.kubernetes.io/name", LabelValue::Fixed("envoy")),
            ("app.kubernetes.io/component", LabelValue::Fixed("proxy")),
            (
                "app.kubernetes.io/managed-by",
                LabelValue::Fixed("envoy-gateway"),
            ),
        ],
        namespace_labels: &[(NS, LabelValue::Fixed("envoy-gateway-system"))],
        ingress_passthrough: &[],
        ingress_classes: &[],
        cilium_policy: false,
        notes: "",
        source: "Upbound docs; envoyproxy/gateway internal/infrastructure/kubernetes/proxy/resource.go",
    },
    ControllerPreset {
        name: "ingress-nginx",
        description: "ingress-nginx controller (needs --enable-ssl-passthrough; retired in March 2026)",
        pod_labels: &[
            ("app.kubernetes.io/name", LabelValue::Fixed("ingress-nginx")),
            (
                "app.kubernetes.io/component",
                LabelValue::Fixed("controller"),
            ),
        ],
        namespace_labels: &[(NS, LabelValue::Fixed("ingress-nginx"))],
        ingress_passthrough: &[("nginx.ingress.kubernetes.io/ssl-passthrough", "true")],
        // kubernetes/ingress-nginx internal/ingress/controller/ingressclass
        // (DefaultAnnotationValue "nginx", DefaultControllerName "k8s.io/ingress-nginx").
        ingress_classes: &["nginx"],
        cilium_policy: false,
        notes: "retired in March 2026 (no more security fixes): `spaces-expose guide --migrate` shows the way off it",
        source: "Upbound docs; ingress-nginx chart _helpers.tpl",
    },
    ControllerPreset {
        name: "traefik",
        description: "Traefik with its kubernetesIngressNGINX provider",
        pod_labels: &[("app.kubernetes.io/name", LabelValue::Fixed("traefik"))],
        namespace_labels: &[(NS, LabelValue::Fixed("traefik"))],
        ingress_passthrough: &[
            ("nginx.ingress.kubernetes.io/ssl-passthrough", "true"),
            ("nginx.ingress.kubernetes.io/force-ssl-redirect", "true"),
        ],
        // The kubernetesIngressNGINX provider watches class `nginx` (controller
        // `k8s.io/ingress-nginx`) by default and reads ssl-passthrough (traefik/traefik
        // pkg/provider/kubernetes/ingress-nginx/kubernetes.go SetDefaults, annotations.go).
        // Class `traefik` belongs to the plain kubernetesIngress provider (see
        // NON_PASSTHROUGH_INGRESS_CLASSES).
        ingress_classes: &["nginx"],
        cilium_policy: false,
        notes: "Traefik 3.6.2+ with providers.kubernetesIngressNginx enabled; it watches Ingress class `nginx`, as ingress-nginx does",
        source: "Upbound docs (Traefik example); traefik/traefik pkg/provider/kubernetes/ingress-nginx/",
    },
    ControllerPreset {
        name: "istio",
        description: "Istio classic ingress gateway in istio-system (istioctl install)",
        pod_labels: &[
            ("app", LabelValue::Fixed("istio-ingressgateway")),
            ("istio", LabelValue::Fixed("ingressgateway")),
        ],
        namespace_labels: &[(NS, LabelValue::Fixed("istio-system"))],
        ingress_passthrough: &[],
        ingress_classes: &[],
        cilium_policy: false,
        // istio/istio manifests/charts/gateway/templates/_helpers.tpl (gateway.selectorLabels):
        // app: <name>, istio: <name without "istio-">, the name defaulting to the release's.
        notes: "labels of an istioctl install; the istio/gateway Helm chart labels its pods app: <release>, istio: <release without \"istio-\"> (release istio-ingressgateway gives these labels): otherwise use --controller custom with --pod-label and --namespace-label",
        source: "Upbound certificates doc; istio/istio manifests/charts/gateway/templates/_helpers.tpl",
    },
    gateway_namespaced(
        "istio-gateway-api",
        "Istio's Gateway API deployment, in the Gateway's namespace",
        "istio gateway deployment controller",
    ),
    gateway_namespaced(
        "nginx-gateway-fabric",
        "NGINX Gateway Fabric data plane, in the Gateway's namespace",
        "nginx/nginx-gateway-fabric provisioner",
    ),
    gateway_namespaced(
        "kgateway",
        "kgateway proxies, in the Gateway's namespace",
        "kgateway-dev/kgateway deployer",
    ),
    // The provisioner labels the Envoy pods `app: envoy-<gateway>` beside the gateway-name
    // label, which Contour's own pods carry too (projectcontour/contour
    // internal/provisioner/objects/dataplane/dataplane.go EnvoyPodSelector,
    // internal/provisioner/model/names.go EnvoyDataPlaneName).
    ControllerPreset {
        name: "contour-gateway-provisioner",
        description: "Contour gateway provisioner's Envoy, in the Gateway's namespace",
        pod_labels: &[
            (GATEWAY_NAME, LabelValue::GatewayName),
            ("app", LabelValue::PrefixedGatewayName("envoy-")),
        ],
        namespace_labels: &[(NS, LabelValue::GatewayNamespace)],
        ingress_passthrough: &[],
        ingress_classes: &[],
        cilium_policy: false,
        notes: "",
        source: "projectcontour/contour internal/provisioner/objects/dataplane/dataplane.go",
    },
    gateway_namespaced(
        "envoy-gateway-namespaced",
        "Envoy Gateway in GatewayNamespace deploy mode",
        "envoyproxy/gateway GatewayNamespace mode",
    ),
    ControllerPreset {
        name: "contour",
        description: "Contour (static Envoy DaemonSet) in projectcontour",
        pod_labels: &[("app", LabelValue::Fixed("envoy"))],
        namespace_labels: &[(NS, LabelValue::Fixed("projectcontour"))],
        ingress_passthrough: &[],
        ingress_classes: &[],
        cilium_policy: false,
        notes: "",
        source: "projectcontour/contour examples/contour/03-envoy.yaml",
    },
    ControllerPreset {
        name: "kong",
        description: "Kong gateway in kong",
        pod_labels: &[
            ("app.kubernetes.io/name", LabelValue::Fixed("kong")),
            ("app.kubernetes.io/component", LabelValue::Fixed("app")),
        ],
        namespace_labels: &[(NS, LabelValue::Fixed("kong"))],
        ingress_passthrough: &[],
        ingress_classes: &[],
        cilium_policy: false,
        notes: "",
        source: "Kong/charts _helpers.tpl",
    },
    ControllerPreset {
        name: "haproxy",
        description: "HAProxy Kubernetes Ingress Controller in haproxy-controller",
        pod_labels: &[(
            "app.kubernetes.io/name",
            LabelValue::Fixed("kubernetes-ingress"),
        )],
        namespace_labels: &[(NS, LabelValue::Fixed("haproxy-controller"))],
        ingress_passthrough: &[("haproxy.org/ssl-passthrough", "true")],
        ingress_classes: &["haproxy"],
        cilium_policy: false,
        notes: "",
        source: "haproxytech/helm-charts",
    },
    ControllerPreset {
        name: "cilium",
        description: "Cilium Ingress or Gateway: its Envoy carries the reserved `ingress` identity",
        pod_labels: &[],
        namespace_labels: &[],
        // Cilium's Ingress controller does TLS passthrough with this annotation ("Supported Ingress annotations" in
        // cilium Documentation/network/servicemesh/ingress.rst, cilium/cilium#28751).
        ingress_passthrough: &[("ingress.cilium.io/tls-passthrough", "enabled")],
        ingress_classes: &["cilium"],
        cilium_policy: true,
        notes: "a Cilium Ingress carries the cloud's Layer-4 set itself: Cilium copies service.beta.kubernetes.io/*, service.kubernetes.io/* and cloud.google.com/* annotations to the Service it creates",
        source: "cilium Documentation/network/servicemesh/ingress-reference.rst and ingress.rst",
    },
];

pub fn controller(name: &str) -> Option<&'static ControllerPreset> {
    CONTROLLERS.iter().find(|c| c.name == name)
}

/// Ingress classes that can only do L7 (§4.2).
pub const L7_INGRESS_CLASSES: &[(&str, &str)] = &[
    ("alb", "AWS Application Load Balancer"),
    ("gce", "GKE external Application Load Balancer"),
    ("gce-internal", "GKE internal Application Load Balancer"),
    // The annotation form; as `spec.ingressClassName` it is no valid name (an
    // IngressClass name has no `/`).
    ("azure/application-gateway", "Azure Application Gateway"),
    // AGIC's IngressClass (controller `azure/application-gateway`): Azure/application-
    // gateway-kubernetes-ingress helm/ingress-azure/values.yaml, kubernetes.ingressClassResource.
    (
        "azure-application-gateway",
        "Azure Application Gateway (AGIC's IngressClass)",
    ),
];

/// The annotation prefixes Cilium's operator copies from an Ingress onto the
/// load-balancer Service it creates for it, by default (cilium/cilium
/// operator/option/config.go, IngressLBAnnotationsDefault; the operator flag
/// `ingress-lb-annotation-prefixes`, Helm value `ingressController.ingressLBAnnotationPrefixes`).
pub const CILIUM_COPIED_PREFIXES: &[&str] = &[
    "service.beta.kubernetes.io",
    "service.kubernetes.io",
    "cloud.google.com",
];

/// Keys of a cloud set that Cilium does not copy, and a key that means the same under a
/// prefix it does copy, which a Cilium Ingress carries instead: GKE still reads its older
/// `cloud.google.com/load-balancer-type` (kubernetes/cloud-provider-gcp
/// providers/gce/gce_annotations.go, deprecatedServiceAnnotationLoadBalancerType).
pub const CILIUM_COPIED_SPELLINGS: &[(Cloud, &str, &str)] = &[(
    Cloud::Gcp,
    "networking.gke.io/load-balancer-type",
    "cloud.google.com/load-balancer-type",
)];

/// The key a Cilium Ingress carries for `key` of `cloud`'s set: `key` itself, or its
/// spelling under a prefix Cilium copies.
pub fn cilium_spelling(cloud: Cloud, key: &str) -> &str {
    CILIUM_COPIED_SPELLINGS
        .iter()
        .find(|&&(c, k, _)| c == cloud && k == key)
        .map_or(key, |&(_, _, copied)| copied)
}

/// Whether Cilium copies annotation `key` from an Ingress to its Service (by default).
pub fn cilium_copies(key: &str) -> bool {
    CILIUM_COPIED_PREFIXES.iter().any(|p| {
        key.strip_prefix(p)
            .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Ingress classes watched by a provider that does not do TLS passthrough with the
/// chosen controller's annotations: `(class, controller preset, what watches it)`.
pub const NON_PASSTHROUGH_INGRESS_CLASSES: &[(&str, &str, &str)] = &[
    // traefik/traefik pkg/provider/kubernetes/ingress/kubernetes.go
    // (traefikDefaultIngressClass "traefik"); it reads traefik.ingress.kubernetes.io/*
    // annotations, not nginx.ingress.kubernetes.io/ssl-passthrough.
    (
        "traefik",
        "traefik",
        "Traefik's plain kubernetesIngress provider, which ignores the nginx passthrough annotation and terminates TLS",
    ),
];

/// GatewayClass controllers that can only do L7, by controllerName.
pub const L7_GATEWAY_CONTROLLERS: &[(KeyMatch, &str)] = &[
    // GKE "GatewayClass capabilities": every class of the GKE Gateway controller builds an
    // Application Load Balancer; the passthrough-capable ones are named below.
    (
        Prefix("networking.gke.io/gateway"),
        "GKE Gateway (gke-l7-* classes)",
    ),
    // aws-load-balancer-controller docs/guide/gateway/l7gateway.md
    (
        Exact("gateway.k8s.aws/alb"),
        "AWS Load Balancer Controller ALB gateway",
    ),
    // Azure Application Gateway for Containers, controllerName
    // alb.networking.azure.io/alb-controller (Azure docs, "ALB Controller")
    (
        Prefix("alb.networking.azure.io/"),
        "Azure Application Gateway for Containers",
    ),
];

/// GatewayClass names that are L7-only whatever controller they name (except the GKE
/// passthrough classes below).
pub const L7_GATEWAY_CLASS_NAMES: &[(KeyMatch, &str)] = &[
    (Prefix("gke-l7-"), "GKE Gateway L7 class"),
    (
        Exact("azure-alb-external"),
        "Azure Application Gateway for Containers",
    ),
];

/// GKE classes that pass TLS through to a TLSRoute (GKE 1.35 and later): a proxy Network
/// Load Balancer reads the SNI and forwards the encrypted stream. Source: GKE docs
/// "Deploy a TLS passthrough Gateway" (how-to/deploy-tls-passthrough-gateway), "Supported
/// GatewayClasses".
///
/// With the scheme each class decides: the class, not an annotation, makes the load
/// balancer external or internal (GKE docs "GatewayClass capabilities": the
/// `regional-external` classes build a regional external load balancer, `rilb` the
/// regional internal one, `cross-regional-internal` the cross-region internal one).
pub const GKE_PASSTHROUGH_GATEWAY_CLASSES: &[(&str, Scheme)] = &[
    ("gke-l7-regional-external-managed", Scheme::InternetFacing),
    (
        "gke-l7-regional-external-managed-mc",
        Scheme::InternetFacing,
    ),
    ("gke-l7-rilb", Scheme::Internal),
    ("gke-l7-rilb-mc", Scheme::Internal),
    (
        "gke-l7-cross-regional-internal-managed-mc",
        Scheme::Internal,
    ),
];

/// Whether `name` is a GKE TLS passthrough class.
pub fn is_gke_passthrough_class(name: &str) -> bool {
    gateway_class_scheme(name).is_some()
}

/// The scheme a GatewayClass decides by its name, when it does (the GKE passthrough
/// classes).
pub fn gateway_class_scheme(name: &str) -> Option<Scheme> {
    GKE_PASSTHROUGH_GATEWAY_CLASSES
        .iter()
        .find(|&&(class, _)| class == name)
        .map(|&(_, scheme)| scheme)
}

/// The AWS Load Balancer Controller's L4 gateway: its scheme is
/// `LoadBalancerConfiguration.spec.scheme`, `internal` by default
/// (aws-load-balancer-controller docs/guide/gateway/loadbalancerconfig.md, "Scheme";
/// docs/guide/gateway/l4gateway.md). No annotation written by `--scheme` reaches it.
pub const AWS_NLB_GATEWAY_CONTROLLER: &str = "gateway.k8s.aws/nlb";

/// The group and kind of the AWS controller's LoadBalancerConfiguration, which a
/// GatewayClass's `spec.parametersRef` and a Gateway's `spec.infrastructure.parametersRef`
/// name; when both name one, the class's `spec.mergingMode` (`prefer-gateway-class` by
/// default) decides a conflicting `scheme` (aws-load-balancer-controller
/// docs/guide/gateway/loadbalancerconfig.md, "MergingMode", "Scheme").
pub const AWS_LB_CONFIGURATION: (&str, &str) = ("gateway.k8s.aws", "LoadBalancerConfiguration");

/// Layer-4 GatewayClass controllers: the load balancer itself reaches the router pods
/// (no proxy pod of the cluster in between), so the router's NetworkPolicy must admit it
/// with an ipBlock. Source: aws-load-balancer-controller docs/guide/gateway/l4gateway.md
/// (`gateway.k8s.aws/nlb` provisions an NLB whose target groups are the route's
/// backend Services).
pub const L4_GATEWAY_CONTROLLERS: &[(KeyMatch, &str)] = &[(
    Exact(AWS_NLB_GATEWAY_CONTROLLER),
    "the AWS Load Balancer Controller's NLB gateway, Layer 4",
)];

/// What a GKE passthrough class is, for messages (GKE docs "Deploy a TLS passthrough
/// Gateway": a Layer-4 proxy Network Load Balancer; the regional and cross-region classes
/// need a proxy-only subnet, whose addresses are the connections' source).
pub const GKE_PASSTHROUGH_WHAT: &str = "a GKE TLS passthrough class: a proxy Network Load Balancer whose connections come from the proxy-only subnet";

/// Gateway controllers that program a cloud load balancer themselves and generate no
/// Service: `spec.infrastructure.annotations` is copied onto nothing, so the cloud's
/// Layer-4 set does not belong there. Sources: GKE docs "GatewayClass capabilities"
/// (Google-hosted controller, load balancer built from NEGs), aws-load-balancer-controller
/// docs/guide/gateway/l4gateway.md and l7gateway.md (the controller provisions the NLB
/// or ALB; settings in a LoadBalancerConfiguration), Azure Application Gateway for
/// Containers (a managed Azure resource).
pub const SERVICELESS_GATEWAY_CONTROLLERS: &[(KeyMatch, &str)] = &[
    (
        Prefix("networking.gke.io/gateway"),
        "the GKE Gateway controller",
    ),
    (
        Prefix("gateway.k8s.aws/"),
        "the AWS Load Balancer Controller",
    ),
    (
        Prefix("alb.networking.azure.io/"),
        "Azure Application Gateway for Containers",
    ),
];

/// Class names of those controllers (the classes GKE and Azure install).
pub const SERVICELESS_GATEWAY_CLASS_NAMES: &[(KeyMatch, &str)] = &[
    (Prefix("gke-l7-"), "the GKE Gateway controller"),
    (
        Exact("azure-alb-external"),
        "Azure Application Gateway for Containers",
    ),
];

fn class_hit(
    names: &'static [(KeyMatch, &'static str)],
    controllers: &'static [(KeyMatch, &'static str)],
    name: &str,
    controller: Option<&str>,
) -> Option<&'static str> {
    let hit = |table: &'static [(KeyMatch, &'static str)], value: &str| {
        table
            .iter()
            .find(|(m, _)| m.matches(value))
            .map(|&(_, what)| what)
    };
    hit(names, name).or_else(|| controller.and_then(|c| hit(controllers, c)))
}

/// Whether a GatewayClass (its name, and its controllerName when known) can only do L7.
pub fn l7_gateway_class(name: &str, controller: Option<&str>) -> Option<&'static str> {
    if is_gke_passthrough_class(name) {
        return None;
    }
    class_hit(
        L7_GATEWAY_CLASS_NAMES,
        L7_GATEWAY_CONTROLLERS,
        name,
        controller,
    )
}

/// Whether a GatewayClass is a Layer-4 one (its load balancer connects to the router).
pub fn l4_gateway_class(name: &str, controller: Option<&str>) -> Option<&'static str> {
    if is_gke_passthrough_class(name) {
        return Some(GKE_PASSTHROUGH_WHAT);
    }
    class_hit(&[], L4_GATEWAY_CONTROLLERS, name, controller)
}

/// Whether a GatewayClass's controller generates no Service for the Gateway (and what
/// that controller is).
pub fn serviceless_gateway_class(name: &str, controller: Option<&str>) -> Option<&'static str> {
    class_hit(
        SERVICELESS_GATEWAY_CLASS_NAMES,
        SERVICELESS_GATEWAY_CONTROLLERS,
        name,
        controller,
    )
}

/// The Gateway API limit on `spec.infrastructure.annotations` from v1.6.0 (gateway-api
/// apis/v1/gateway_types.go, GatewayInfrastructure.Annotations `MaxProperties=16`).
pub const GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT: usize = 16;

/// The same limit through v1.5.1 (`MaxProperties=8` in v1.5.1's gateway_types.go; the
/// labels stay at 8 in v1.6).
pub const GATEWAY_INFRASTRUCTURE_ANNOTATION_LIMIT_BEFORE_V1_6: usize = 8;

/// Traefik's Gateway controllerName (traefik pkg/provider/kubernetes/gateway/kubernetes.go,
/// `controllerName`) and the GatewayClass name its Helm chart creates
/// (traefik-helm-chart traefik/templates/gatewayclass.yaml, default `traefik`).
pub const TRAEFIK_GATEWAY_CONTROLLER: &str = "traefik.io/gateway-controller";
pub const TRAEFIK_GATEWAY_CLASS: &str = "traefik";

/// The entryPoints of the Traefik Helm chart and their ports (traefik-helm-chart
/// traefik/values.yaml `ports.*.port`: the container ports Traefik listens on; the
/// Service exposes web and websecure as 80 and 443). Traefik binds a Gateway listener
/// to the entryPoint whose address ends in the listener's port
/// (pkg/provider/kubernetes/gateway/kubernetes.go, `entryPointName`).
pub const TRAEFIK_ENTRY_POINTS: &[(&str, u16)] = &[
    ("web", 8000),
    ("websecure", 8443),
    ("traefik", 8080),
    ("metrics", 9100),
];

/// `web 8000, websecure 8443, …`: the Traefik chart's entryPoints, for messages.
pub fn traefik_entry_points() -> String {
    TRAEFIK_ENTRY_POINTS
        .iter()
        .map(|(name, port)| format!("{name} {port}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Helm 4's annotation that regroups documents after the post-renderer: never touched.
pub const HELM4_FILENAME_ANNOTATION: &str = "postrenderer.helm.sh/postrender-filename";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_classes_by_name_or_controller() {
        assert!(l7_gateway_class("gke-l7-global-external-managed", None).is_some());
        assert!(l7_gateway_class("azure-alb-external", None).is_some());
        assert!(l7_gateway_class("spaces", Some("gateway.k8s.aws/alb")).is_some());
        assert!(l7_gateway_class("spaces", Some("networking.gke.io/gateway")).is_some());
        assert!(
            l7_gateway_class("spaces", Some("alb.networking.azure.io/alb-controller")).is_some()
        );
        // Passthrough-capable controllers and classes are fine.
        assert!(
            l7_gateway_class("eg", Some("gateway.envoyproxy.io/gatewayclass-controller")).is_none()
        );
        assert!(l7_gateway_class("spaces", Some("gateway.k8s.aws/nlb")).is_none());
        assert!(l7_gateway_class("spaces", None).is_none());
        for &(class, _) in GKE_PASSTHROUGH_GATEWAY_CLASSES {
            assert!(l7_gateway_class(class, Some("networking.gke.io/gateway")).is_none());
            assert!(l4_gateway_class(class, None).is_some());
            assert!(serviceless_gateway_class(class, None).is_some());
        }
        assert!(l4_gateway_class("aws-nlb", Some("gateway.k8s.aws/nlb")).is_some());
        assert!(
            l4_gateway_class("eg", Some("gateway.envoyproxy.io/gatewayclass-controller")).is_none()
        );
        assert!(serviceless_gateway_class("aws-nlb", Some("gateway.k8s.aws/nlb")).is_some());
        assert!(serviceless_gateway_class("eg", None).is_none());
    }

    #[test]
    fn every_cloud_and_scheme_has_one_set() {
        for &cloud in Cloud::ALL.iter().filter(|&&c| c != Cloud::None) {
            for scheme in [Scheme::InternetFacing, Scheme::Internal] {
                assert_eq!(
                    CLOUD_SETS
                        .iter()
                        .filter(|s| s.cloud == cloud && s.scheme == scheme)
                        .count(),
                    1
                );
            }
        }
    }

    #[test]
    fn set_keys_belong_to_their_cloud() {
        for set in CLOUD_SETS {
            for (k, _) in set.annotations {
                assert_eq!(cloud_of_key(k), Some(set.cloud), "{k}");
            }
        }
    }

    #[test]
    fn every_cloud_is_listed_once() {
        use clap::ValueEnum;
        let listed: Vec<&str> = Cloud::ALL.iter().map(|c| c.name()).collect();
        let variants: Vec<String> = Cloud::value_variants()
            .iter()
            .map(|c| c.to_possible_value().unwrap().get_name().to_string())
            .collect();
        assert_eq!(listed, variants);
    }

    #[test]
    fn lb_classes_omit_only_their_clouds_keys() {
        for class in LB_CLASSES {
            for key in class.omits {
                assert_eq!(cloud_of_key(key), Some(class.cloud), "{}", class.class);
            }
        }
        assert!(
            l4_annotations_for_class(
                Cloud::Gcp,
                Scheme::InternetFacing,
                TargetType::Ip,
                Some("networking.gke.io/l4-regional-external")
            )
            .is_empty()
        );
        // A class of another cloud changes nothing in this cloud's set.
        assert_eq!(
            l4_annotations_for_class(
                Cloud::Aws,
                Scheme::InternetFacing,
                TargetType::Ip,
                Some("networking.gke.io/l4-regional-external")
            )
            .len(),
            3
        );
    }

    #[test]
    fn value_conditions() {
        let key = |k: &str, v: &str| l7_key(On::Service, k, Some(v)).is_some();
        let backend = "service.beta.kubernetes.io/aws-load-balancer-backend-protocol";
        assert!(key(backend, "ssl") && key(backend, " HTTPS") && !key(backend, "tcp"));
        let tga = "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes";
        assert!(key(
            tga,
            "stickiness.enabled=true, proxy_protocol_v2.enabled=true"
        ));
        assert!(key(&format!("{tga}.443"), "proxy_protocol_v2.enabled=True"));
        assert!(!key(tga, "proxy_protocol_v2.enabled=false"));
        // A map: the last pair wins.
        assert!(!key(
            tga,
            "proxy_protocol_v2.enabled=true,proxy_protocol_v2.enabled=false"
        ));
        assert!(key(
            tga,
            "proxy_protocol_v2.enabled=false, proxy_protocol_v2.enabled=true"
        ));
        assert!(!key(tga, "preserve_client_ip.enabled=true"));
        let do_proto = "service.beta.kubernetes.io/do-loadbalancer-protocol";
        assert!(key(do_proto, "http2") && !key(do_proto, "tcp"));
        assert!(!key(
            "service.beta.kubernetes.io/do-loadbalancer-tls-passthrough",
            "true"
        ));
        let pp = "load-balancer.hetzner.cloud/uses-proxyprotocol";
        assert!(key(pp, "t") && !key(pp, "false") && !key(pp, "yes"));
        // The listener attributes (the NLB idle timeout) are Layer 4.
        assert!(!key(
            "service.beta.kubernetes.io/aws-load-balancer-listener-attributes.TCP-443",
            "tcp.idle_timeout.seconds=3600"
        ));
    }

    #[test]
    fn attribute_removal_keeps_the_others() {
        assert_eq!(
            without_attribute(
                "stickiness.enabled=true, proxy_protocol_v2.enabled=true,stickiness.type=source_ip",
                PROXY_PROTOCOL_V2_ATTRIBUTE
            ),
            "stickiness.enabled=true,stickiness.type=source_ip"
        );
        assert_eq!(
            without_attribute(
                "proxy_protocol_v2.enabled=true",
                PROXY_PROTOCOL_V2_ATTRIBUTE
            ),
            ""
        );
    }

    #[test]
    fn onprem_keys_belong_to_onprem() {
        for key in [
            "metallb.io/address-pool",
            "metallb.io/loadBalancerIPs",
            "metallb.universe.tf/allow-shared-ip",
            "lbipam.cilium.io/ips",
        ] {
            assert_eq!(cloud_of_key(key), Some(Cloud::Onprem), "{key}");
        }
    }

    #[test]
    fn controller_names_are_unique() {
        let mut names: Vec<_> = CONTROLLERS.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CONTROLLERS.len());
    }

    #[test]
    fn kept_keys_are_not_stripped() {
        assert!(
            l7_key(
                On::Ingress,
                "nginx.ingress.kubernetes.io/backend-protocol",
                Some("HTTPS")
            )
            .is_none()
        );
        assert!(
            l7_key(
                On::Ingress,
                "nginx.ingress.kubernetes.io/proxy-ssl-verify",
                Some("on")
            )
            .is_some()
        );
        assert!(
            l7_key(
                On::Service,
                "cloud.google.com/neg",
                Some(r#"{"ingress": true}"#)
            )
            .is_some()
        );
        assert!(
            l7_key(
                On::Service,
                "cloud.google.com/neg",
                Some(r#"{"exposed_ports": {"80":{}}}"#)
            )
            .is_none()
        );
    }

    #[test]
    fn internal_keys_are_read_as_their_providers_read_them() {
        let aws = "service.beta.kubernetes.io/aws-load-balancer-internal";
        for internal in ["true", "0.0.0.0/0", "1", "yes"] {
            assert!(
                makes_internal(Cloud::Aws, aws, Some(internal)),
                "{internal}"
            );
        }
        for public in ["false", "FALSE", "", " "] {
            assert!(!makes_internal(Cloud::Aws, aws, Some(public)), "{public:?}");
        }
        let gke_old = "cloud.google.com/load-balancer-type";
        assert!(makes_internal(Cloud::Gcp, gke_old, Some("internal")));
        assert!(!makes_internal(Cloud::Aws, gke_old, Some("Internal")));
        // Internet-facing removes such keys; a key of the chosen set is replaced instead.
        assert!(contradicts(
            Cloud::Gcp,
            Scheme::InternetFacing,
            gke_old,
            Some("Internal")
        ));
        assert!(!contradicts(
            Cloud::Aws,
            Scheme::InternetFacing,
            AWS_SCHEME,
            Some("internal")
        ));
        assert_eq!(
            cilium_spelling(Cloud::Gcp, "networking.gke.io/load-balancer-type"),
            gke_old
        );
    }

    #[test]
    fn gcp_internet_facing_contradicts_internal() {
        assert_eq!(
            contradicting_keys(Cloud::Gcp, Scheme::InternetFacing),
            ["networking.gke.io/load-balancer-type"]
        );
        assert!(contradicting_keys(Cloud::Aws, Scheme::Internal).is_empty());
        // Only with the other scheme's value: an explicit "public" setting stays.
        let off = "load-balancer.hetzner.cloud/disable-public-network";
        assert!(contradicts(
            Cloud::Hetzner,
            Scheme::InternetFacing,
            off,
            Some("true")
        ));
        assert!(!contradicts(
            Cloud::Hetzner,
            Scheme::InternetFacing,
            off,
            Some("false")
        ));
        let network = "service.beta.kubernetes.io/do-loadbalancer-network";
        assert!(!contradicts(
            Cloud::Digitalocean,
            Scheme::InternetFacing,
            network,
            Some("EXTERNAL")
        ));
        assert!(contradicts(
            Cloud::Digitalocean,
            Scheme::InternetFacing,
            network,
            Some("INTERNAL")
        ));
    }
}

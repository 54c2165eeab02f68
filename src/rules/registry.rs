//! The rule registry: every rule as one row of data. `check` reports with these codes
//! and names, render applies, refuses or warns as the row's [`FixKind`] says, `explain`
//! prints a row, SARIF copies the rows into its rule metadata, and `docs/rules.md` is
//! generated from them. Codes are never reused; the [`Code`] enum makes a mistyped
//! code a compile error, and `testdata/check/codes.txt` snapshots the list.

use std::fmt::Write as _;

use crate::config::{Level, Mode};

/// Every rule code. The hundreds digit is the family: 1 Services, 2 Ingress,
/// 3 Gateway API, 4 NetworkPolicy, 5 YAML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    SE101,
    SE102,
    SE103,
    SE104,
    SE105,
    SE106,
    SE107,
    SE108,
    SE109,
    SE110,
    SE111,
    SE112,
    SE113,
    SE114,
    SE115,
    SE116,
    SE201,
    SE202,
    SE203,
    SE204,
    SE205,
    SE206,
    SE207,
    SE208,
    SE301,
    SE302,
    SE303,
    SE304,
    SE305,
    SE306,
    SE307,
    SE308,
    SE309,
    SE310,
    SE401,
    SE402,
    SE403,
    SE404,
    SE405,
    SE406,
    SE407,
    SE501,
    SE502,
    SE503,
    SE504,
    SE601,
    SE602,
    SE603,
    SE604,
    SE605,
    SE606,
    SE607,
    SE608,
    SE609,
    SE610,
    SE611,
    SE612,
    SE613,
    SE614,
}

impl Code {
    /// `SE101`.
    pub fn as_str(self) -> &'static str {
        self.rule().code_str
    }

    /// The rule's registry row.
    pub fn rule(self) -> &'static Rule {
        // RULES lists the codes in the order of the enum (tested).
        &RULES[self as usize]
    }

    /// The kind of object the rule looks at (the Ingress family also reports SE101,
    /// SE103, SE104 and SE105 on a Cilium Ingress, whose copied keys reach a Service).
    pub fn family(self) -> Family {
        if self.as_str().starts_with("SE6") {
            return Family::Values;
        }
        match self as u8 {
            c if c <= Code::SE116 as u8 => Family::Service,
            c if c <= Code::SE208 as u8 => Family::Ingress,
            c if c <= Code::SE310 as u8 => Family::Gateway,
            c if c <= Code::SE407 as u8 => Family::NetworkPolicy,
            _ => Family::Yaml,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The rule families, one module each (`src/rules/<family>.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `service.rs`: the target Services.
    Service,
    /// `ingress.rs`: Ingresses to a target Service.
    Ingress,
    /// `gateway.rs`: the Spaces Gateway, its class and routes.
    Gateway,
    /// `network_policy.rs`: the router's NetworkPolicies.
    NetworkPolicy,
    /// `yaml.rs`: YAML that Kubernetes reads differently from how it looks.
    Yaml,
    /// `values.rs`: the Spaces chart's own values files (`check --values`).
    Values,
}

impl Family {
    /// The exposure path a family belongs to: `--mode` other than `auto` runs only the
    /// rules of its own path, plus the NetworkPolicy and YAML rules (every path).
    pub fn path(self) -> Option<Mode> {
        match self {
            Family::Service => Some(Mode::LoadBalancer),
            Family::Ingress => Some(Mode::Ingress),
            Family::Gateway => Some(Mode::Gateway),
            Family::NetworkPolicy | Family::Yaml | Family::Values => None,
        }
    }

    /// Whether the family runs in `mode`.
    pub fn runs_in(self, mode: Mode) -> bool {
        mode == Mode::Auto || self.path().is_none_or(|p| p == mode)
    }

    pub fn module(self) -> &'static str {
        match self {
            Family::Service => "service",
            Family::Ingress => "ingress",
            Family::Gateway => "gateway",
            Family::NetworkPolicy => "network_policy",
            Family::Yaml => "yaml",
            Family::Values => "values",
        }
    }
}

/// An option a rule cannot work without; the rule is skipped (and `-v` says so)
/// when the option is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    /// `--cloud` (`none` counts as given).
    Cloud,
    /// At least one `--controller`.
    Controller,
}

impl Needs {
    pub fn option(self) -> Option<&'static str> {
        match self {
            Needs::Nothing => None,
            Needs::Cloud => Some("--cloud"),
            Needs::Controller => Some("--controller"),
        }
    }
}

/// What render does with a rule's findings (docs/rules.md, "What render does").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixKind {
    /// Render applies the finding's fix: its output never has the finding.
    Edits,
    /// Render applies the fix when the condition holds, and warns otherwise.
    EditsIf(&'static str),
    /// Render refuses the input (exit 2, nothing written).
    Refuses,
    /// Render refuses the input when the condition holds, and warns otherwise.
    RefusesIf(&'static str),
    /// Render leaves the cause and prints the finding as a warning (`--strict` fails).
    Warns,
}

impl FixKind {
    /// One line for `explain` and the docs.
    pub fn describe(self) -> String {
        match self {
            FixKind::Edits => "render fixes it".to_string(),
            FixKind::EditsIf(when) => {
                format!("render fixes it when {when}, and warns otherwise (--strict fails)")
            }
            FixKind::Refuses => "render refuses the input (exit 2, nothing written)".to_string(),
            FixKind::RefusesIf(when) => format!(
                "render refuses the input (exit 2, nothing written) when {when}, and warns otherwise"
            ),
            FixKind::Warns => "render leaves it and warns (--strict fails)".to_string(),
        }
    }
}

#[derive(Debug)]
pub struct Rule {
    pub code: Code,
    code_str: &'static str,
    /// Kebab-case, reads as the problem.
    pub name: &'static str,
    /// Default level (never `Off`).
    pub level: Level,
    /// One line: what the finding means.
    pub summary: &'static str,
    pub needs: Needs,
    /// Why it matters for Spaces.
    pub rationale: &'static str,
    /// YAML that triggers the rule.
    pub bad: &'static str,
    /// The same object done right.
    pub good: &'static str,
    /// What to do, and what `render` does about it.
    pub fix: &'static str,
    /// What render does with a finding.
    pub fix_kind: FixKind,
}

impl Rule {
    /// `SE101`.
    pub fn code_str(&self) -> &'static str {
        self.code_str
    }
}

const fn rule(
    code: Code,
    name: &'static str,
    level: Level,
    needs: Needs,
    fix_kind: FixKind,
) -> Rule {
    Rule {
        code,
        code_str: CODE_NAMES[code as usize],
        name,
        level,
        summary: "",
        needs,
        rationale: "",
        bad: "",
        good: "",
        fix: "",
        fix_kind,
    }
}

/// The codes as text, in the order of [`Code`].
const CODE_NAMES: &[&str] = &[
    "SE101", "SE102", "SE103", "SE104", "SE105", "SE106", "SE107", "SE108", "SE109", "SE110",
    "SE111", "SE112", "SE113", "SE114", "SE115", "SE116", "SE201", "SE202", "SE203", "SE204",
    "SE205", "SE206", "SE207", "SE208", "SE301", "SE302", "SE303", "SE304", "SE305", "SE306",
    "SE307", "SE308", "SE309", "SE310", "SE401", "SE402", "SE403", "SE404", "SE405", "SE406",
    "SE407", "SE501", "SE502", "SE503", "SE504",
    // The values family (Spaces values files, `check --values`, `values --values`).
    "SE601", "SE602", "SE603", "SE604", "SE605", "SE606", "SE607", "SE608", "SE609", "SE610",
    "SE611", "SE612", "SE613", "SE614",
];

/// The catalogue (docs/rules.md).
pub const RULES: &[Rule] = &[
    Rule {
        summary: "a target Service carries an annotation that makes its load balancer work at Layer 7",
        rationale: "Spaces clients (kubectl, Argo CD) hold watch connections open for hours, and \
            spaces-router authenticates them with client certificates, so every hop before the \
            router must pass TCP through. Annotations such as `aws-load-balancer-backend-protocol` \
            with `ssl`, `http` or `https` (`tcp` is Layer 4 and stays), the Classic ELB \
            `aws-load-balancer-connection-idle-timeout`, HTTP protocols on DigitalOcean \
            (`do-loadbalancer-protocol` `http`, `https`, `http2`, `http3`), Hetzner \
            (`load-balancer.hetzner.cloud/protocol` `http`, `https`) and OCI \
            (`oci-load-balancer-backend-protocol` `HTTP`, `GRPC`), GKE's `backend-config` and \
            `app-protocols`, or a `cloud.google.com/neg` that asks for `\"ingress\": true` belong to \
            HTTP load balancers, which time those connections out. An `aws-load-balancer-type` \
            other than `external`, `nlb` or `nlb-ip` asks for a Classic ELB. \
            On a Cilium Ingress the keys Cilium copies onto its load-balancer Service (SE208) are \
            checked and fixed the same way.",
        bad: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-backend-protocol: \"http\"\nspec:\n  type: LoadBalancer\n",
        good: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\nspec:\n  type: LoadBalancer\n",
        fix: "remove the annotation from the router Service values; render strips it (unless it is named by --keep-annotation)",
        ..rule(
            Code::SE101,
            "l7-annotation-on-service",
            Level::Error,
            Needs::Nothing,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "a LoadBalancer target Service lacks the cloud's Layer-4 annotation set",
        rationale: "Without its annotation set a cloud builds a different load balancer than the \
            one Spaces needs: on AWS the in-tree provider builds a Classic ELB, and the AWS Load \
            Balancer Controller defaults to an internal scheme; on GKE the backend-service based \
            passthrough NLB needs `cloud.google.com/l4-rbs: \"enabled\"`; internal load balancers \
            need their cloud's internal key. The set comes from `presets` for `--cloud` and \
            `--scheme`.",
        bad: "kind: Service\nmetadata:\n  name: spaces-router\nspec:\n  type: LoadBalancer\n",
        good: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n    service.beta.kubernetes.io/aws-load-balancer-scheme: \"internet-facing\"\n    service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: \"ip\"\nspec:\n  type: LoadBalancer\n",
        fix: "set router.proxy.service.annotations to the set `spaces-expose presets` lists; render adds it for --cloud and --scheme",
        ..rule(
            Code::SE102,
            "missing-l4-annotations",
            Level::Error,
            Needs::Cloud,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "a target Service carries another cloud's load-balancer annotation",
        rationale: "A load-balancer key of another cloud configures nothing where it runs, or \
            something unexpected after a migration, and misleads whoever reads the manifest. It \
            usually survives from values copied between clusters. \
            On a Cilium Ingress the keys Cilium copies onto its load-balancer Service (SE208) are \
            checked and fixed the same way.",
        bad: "# with --cloud gcp\nkind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    cloud.google.com/l4-rbs: \"enabled\"\n    service.beta.kubernetes.io/aws-load-balancer-scheme: \"internal\"\n",
        good: "# with --cloud gcp\nkind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    cloud.google.com/l4-rbs: \"enabled\"\n",
        fix: "drop the other cloud's keys from the values; render strips them when --cloud is not none",
        ..rule(
            Code::SE103,
            "foreign-cloud-annotation",
            Level::Warn,
            Needs::Cloud,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "the load balancer terminates TLS in front of spaces-router",
        rationale: "`aws-load-balancer-ssl-cert` and `-ssl-ports` turn NLB listeners into TLS \
            listeners that decrypt traffic with an ACM certificate; the negotiation and ALPN \
            policies only exist for such listeners. spaces-router then never sees the client \
            certificate that authenticates a Spaces user, and the TLS listener's fixed 350 s idle \
            timeout applies. The same holds for OCI's `oci-load-balancer-ssl-ports` and \
            `-tls-secret`, DigitalOcean's `do-loadbalancer-tls-ports` and certificate keys, and \
            Hetzner's `http-certificates` and managed-certificate keys. \
            On a Cilium Ingress the keys Cilium copies onto its load-balancer Service (SE208) are \
            checked and fixed the same way.",
        bad: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-ssl-cert: \"arn:aws:acm:...\"\n    service.beta.kubernetes.io/aws-load-balancer-ssl-ports: \"443\"\n",
        good: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n",
        fix: "serve the certificate from spaces-router (externalTLS) and remove the TLS keys; render strips them",
        ..rule(
            Code::SE104,
            "tls-terminated-at-load-balancer",
            Level::Error,
            Needs::Nothing,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "PROXY protocol is enabled on the router's load balancer",
        rationale: "With PROXY protocol the load balancer sends a PROXY header before the client's \
            bytes. spaces-router expects a TLS ClientHello as the first bytes of a connection, so \
            every handshake fails. On AWS PROXY protocol is turned on by \
            `aws-load-balancer-proxy-protocol`, `aws-load-balancer-proxy-protocol-per-target-group`, \
            or `proxy_protocol_v2.enabled=true` in `aws-load-balancer-target-group-attributes` (also \
            per port, `….<port>`), the form most charts use; elsewhere by OCI's \
            `oci-load-balancer-connection-proxy-protocol-version` and NLB `is-ppv2-enabled`, \
            DigitalOcean's `do-loadbalancer-enable-proxy-protocol` and Hetzner's \
            `uses-proxyprotocol` when true. \
            On a Cilium Ingress the keys Cilium copies onto its load-balancer Service (SE208) are \
            checked and fixed the same way.",
        bad: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-target-group-attributes: \"preserve_client_ip.enabled=true,proxy_protocol_v2.enabled=true\"\n",
        good: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-target-group-attributes: \"preserve_client_ip.enabled=true\"\n",
        fix: "turn PROXY protocol off; render strips the annotation, and from a target-group attribute list only the proxy_protocol_v2.enabled pair (the other attributes stay)",
        ..rule(
            Code::SE105,
            "proxy-protocol-enabled",
            Level::Error,
            Needs::Nothing,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "an AWS external load balancer without a scheme is internal",
        rationale: "The AWS Load Balancer Controller builds an NLB for \
            `aws-load-balancer-type: external`, and its default scheme is `internal` \
            (kubernetes-sigs/aws-load-balancer-controller docs/guide/service/annotations.md). \
            Without `aws-load-balancer-scheme` the router is unreachable from outside the VPC, \
            which is rarely what the person who wrote `external` meant.",
        bad: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n",
        good: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n    service.beta.kubernetes.io/aws-load-balancer-scheme: \"internet-facing\"\n",
        fix: "set aws-load-balancer-scheme explicitly; render with --cloud aws adds the --scheme value",
        ..rule(
            Code::SE106,
            "aws-scheme-defaults-internal",
            Level::Warn,
            Needs::Nothing,
            FixKind::EditsIf("--cloud is not none"),
        )
    },
    Rule {
        summary: "the Azure TCP idle timeout is not a whole number of minutes from 4 to 100",
        rationale: "`service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout` is in whole \
            minutes and cloud-provider-azure accepts 4 to 100 since v1.28.0 (4 to 30 before; \
            pkg/provider/azure_loadbalancer.go); any other value makes the Service fail to \
            reconcile, so the load balancer is never updated.",
        bad: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout: \"120\"\n",
        good: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout: \"100\"\n",
        fix: "use a whole number from 4 to 100 (clusters older than cloud-provider-azure v1.28.0: 4 to 30); render leaves the value alone",
        ..rule(
            Code::SE107,
            "azure-idle-timeout-out-of-range",
            Level::Error,
            Needs::Nothing,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "an Azure load balancer probes the router's HTTPS port with HTTP and expects 200",
        rationale: "cloud-provider-azure picks each port's health-probe protocol from the \
            per-port `service.beta.kubernetes.io/port_<port>_health-probe_protocol`, else the \
            port's `appProtocol`, else `azure-load-balancer-health-probe-protocol`, else TCP \
            (pkg/provider/azure_loadbalancer_healthprobe.go). `http` or `https` gives a probe of \
            `/` that wants a 200; spaces-router's port is `appProtocol: https` and answers \
            unauthenticated requests with 401, so every backend looks unhealthy. The global \
            annotation does not help: `appProtocol` comes first. With `externalTrafficPolicy: \
            Local` the load balancer probes kube-proxy's health-check node port instead, and \
            there is no finding. Not verified on AKS, hence a warning.",
        bad: "# with --cloud azure\nkind: Service\nmetadata:\n  name: spaces-router\nspec:\n  type: LoadBalancer\n  ports:\n    - name: https\n      appProtocol: https\n      port: 443\n",
        good: "# with --cloud azure\nkind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/port_443_health-probe_protocol: \"tcp\"\nspec:\n  type: LoadBalancer\n  ports:\n    - name: https\n      appProtocol: https\n      port: 443\n",
        fix: "set the per-port probe protocol to tcp (router.proxy.service.annotations); render adds or replaces service.beta.kubernetes.io/port_<port>_health-probe_protocol: \"tcp\"",
        ..rule(
            Code::SE108,
            "azure-https-health-probe",
            Level::Warn,
            Needs::Cloud,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "with --mode load-balancer, a target Service is not of type LoadBalancer",
        rationale: "In load-balancer mode the router is reached through a cloud Network Load Balancer, which the cloud builds only for a Service of type LoadBalancer. A ClusterIP Service (the chart default) is reachable from inside the cluster only. A headless Service (clusterIP: None) or a NodePort or ExternalName Service cannot simply change type; those are reported and left alone.",
        bad: "# with --mode load-balancer\nkind: Service\nmetadata:\n  name: spaces-router\nspec:\n  type: ClusterIP\n",
        good: "# with --mode load-balancer\nkind: Service\nmetadata:\n  name: spaces-router\nspec:\n  type: LoadBalancer\n",
        fix: "set router.proxy.service.type: LoadBalancer in the Spaces values; render sets type LoadBalancer on a ClusterIP target (not on a headless one)",
        ..rule(
            Code::SE109,
            "router-service-not-load-balancer",
            Level::Warn,
            Needs::Nothing,
            FixKind::EditsIf("the target is ClusterIP and not headless"),
        )
    },
    Rule {
        summary: "a target Service is missing from a stream that has resources",
        rationale: "Every edit render makes hangs off the target Services (default spaces-router): the Ingresses and routes to them, the NetworkPolicies that select their pods. When none is in the stream, nothing is exposed, which usually means a mistyped --service or --namespace. Helm may also call a post-renderer for hook documents alone, where this is expected.",
        bad: "# with --service spaces-routr\nkind: Service\nmetadata:\n  name: spaces-router\n",
        good: "# with --service spaces-router (the default)\nkind: Service\nmetadata:\n  name: spaces-router\n",
        fix: "check the --service name and namespace against the rendered Service",
        ..rule(
            Code::SE110,
            "target-service-missing",
            Level::Error,
            Needs::Nothing,
            FixKind::RefusesIf(
                "the target was named with --service and the stream holds more than hooks",
            ),
        )
    },
    Rule {
        summary: "with --lb-class, a LoadBalancer target has another spec.loadBalancerClass (or none)",
        rationale: "spec.loadBalancerClass picks the controller that builds the load balancer (the AWS Load Balancer Controller for service.k8s.aws/nlb, EKS Auto Mode for eks.amazonaws.com/nlb, GKE for networking.gke.io/l4-regional-external). The field is immutable: the API server accepts it only on a Service that is created with it, so setting it on an existing Service fails the upgrade until the Service is re-created.",
        bad: "# with --lb-class service.k8s.aws/nlb\nkind: Service\nmetadata:\n  name: spaces-router\nspec:\n  type: LoadBalancer\n",
        good: "# with --lb-class service.k8s.aws/nlb\nkind: Service\nmetadata:\n  name: spaces-router\nspec:\n  type: LoadBalancer\n  loadBalancerClass: \"service.k8s.aws/nlb\"\n",
        fix: "set the class when the Service is first created (delete and re-create an existing one); render sets spec.loadBalancerClass to --lb-class and says that it applies only to a new Service",
        ..rule(
            Code::SE111,
            "load-balancer-class-differs",
            Level::Warn,
            Needs::Nothing,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "render changes a target Service's aws-load-balancer-type",
        rationale: "The AWS Load Balancer Controller does not convert a load balancer from one type to another: when aws-load-balancer-type changes on an existing Service (a Classic ELB type, or any other value render replaces with external), it builds a new Network Load Balancer under a new DNS name and may leave the old one running. DNS must follow the new address, and the old load balancer may have to be deleted by hand.",
        bad: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: \"clb\"\nspec:\n  type: LoadBalancer\n",
        good: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\nspec:\n  type: LoadBalancer\n",
        fix: "set the type in the upgrade that first makes the Service a LoadBalancer; after this upgrade, point DNS at the new address and delete a left-over load balancer",
        ..rule(
            Code::SE112,
            "aws-load-balancer-type-changes",
            Level::Warn,
            Needs::Cloud,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "an AWS NLB listener's TCP idle timeout is invalid, or shorter than the NLB's default",
        rationale: "`service.beta.kubernetes.io/aws-load-balancer-listener-attributes.TCP-<port>: tcp.idle_timeout.seconds=<n>` sets the NLB's TCP idle timeout for that listener (Layer 4: it stays on AWS). AWS accepts 60 to 6000 seconds and uses 350 by default (ELB docs, update-idle-timeout); another value fails the listener update. A value under 350 closes idle watch connections (kubectl, Argo CD) sooner than an NLB without the attribute would.",
        bad: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-listener-attributes.TCP-443: \"tcp.idle_timeout.seconds=60\"\n",
        good: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-listener-attributes.TCP-443: \"tcp.idle_timeout.seconds=3600\"\n",
        fix: "use a whole number of seconds from 350 to 6000 (or drop the attribute for the default 350); render leaves the value alone",
        ..rule(
            Code::SE113,
            "aws-nlb-idle-timeout-out-of-range",
            Level::Warn,
            Needs::Nothing,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "a LoadBalancer target's loadBalancerClass belongs to another cloud, or decides the other scheme",
        rationale: "A Service with spec.loadBalancerClass is served only by the controller that owns the class; every other controller ignores it (kubernetes-sigs/aws-load-balancer-controller pkg/service/service_utils.go). A GKE class on AWS, or an AWS class on GKE, leaves the Service without a load balancer. GKE's regional classes also decide the scheme: networking.gke.io/l4-regional-internal is internal whatever --scheme says. The classes are listed by `spaces-expose presets`.",
        bad: "# with --cloud aws\nkind: Service\nmetadata:\n  name: spaces-router\nspec:\n  type: LoadBalancer\n  loadBalancerClass: networking.gke.io/l4-regional-external\n",
        good: "# with --cloud aws\nkind: Service\nmetadata:\n  name: spaces-router\nspec:\n  type: LoadBalancer\n  loadBalancerClass: service.k8s.aws/nlb\n",
        fix: "use a class of the cluster's cloud and scheme (or none); the field is immutable, so re-create the Service with it; render refuses, since the class, not the annotations, decides what is built",
        ..rule(
            Code::SE114,
            "load-balancer-class-mismatch",
            Level::Error,
            Needs::Nothing,
            FixKind::Refuses,
        )
    },
    Rule {
        summary: "render changes a target Service's OCI load-balancer type",
        rationale: "`oci.oraclecloud.com/load-balancer-type: nlb` gives a Network Load Balancer, which passes TCP through; without it, or with `lb`, OCI builds its flexible Load Balancer, a proxy that ends the TCP connection (oracle/oci-cloud-controller-manager pkg/cloudprovider/providers/oci/load_balancer_spec.go). The cloud-controller-manager looks its load balancer up with the client of the current type (load_balancer.go), so a changed type builds a new load balancer under a new address and may leave the old one behind: DNS must follow, and the old one may have to be deleted by hand.",
        bad: "# with --cloud oci\nkind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    oci.oraclecloud.com/load-balancer-type: \"lb\"\nspec:\n  type: LoadBalancer\n",
        good: "# with --cloud oci\nkind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    oci.oraclecloud.com/load-balancer-type: \"nlb\"\nspec:\n  type: LoadBalancer\n",
        fix: "set the type in the upgrade that first makes the Service a LoadBalancer; after this upgrade, point DNS at the new address and delete a left-over load balancer",
        ..rule(
            Code::SE115,
            "oci-load-balancer-type-changes",
            Level::Warn,
            Needs::Cloud,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "an internal load balancer would become internet-facing because --scheme was not given",
        rationale: "`--scheme` defaults to internet-facing. A target Service (or a Gateway's infrastructure annotations, or a Cilium Ingress) whose own keys make its load balancer internal (`aws-load-balancer-scheme: internal`, `networking.gke.io/load-balancer-type: Internal`, `azure-load-balancer-internal: \"true\"`, and the other clouds' internal keys that `spaces-expose presets` lists) would lose them to the internet-facing set, and the load balancer would be rebuilt public: an access nobody asked for. Render refuses until the scheme is said.",
        bad: "# with --cloud aws, no --scheme\nkind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-scheme: internal\nspec:\n  type: LoadBalancer\n",
        good: "# with --cloud aws --scheme internal\nkind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-scheme: internal\nspec:\n  type: LoadBalancer\n",
        fix: "pass --scheme internal to keep the load balancer internal, or --scheme internet-facing to make it public; render refuses until one is given",
        ..rule(
            Code::SE116,
            "internal-load-balancer-without-scheme",
            Level::Error,
            Needs::Cloud,
            FixKind::Refuses,
        )
    },
    Rule {
        summary: "an Ingress to the router does not ask its controller for TLS passthrough",
        rationale: "Without its controller's passthrough annotation an Ingress controller \
            terminates TLS and proxies HTTP: client certificates never reach spaces-router and \
            the proxy's timeouts cut long watches. ingress-nginx also needs its \
            `--enable-ssl-passthrough` flag. Controllers that only pass TLS through with Gateway \
            API cannot serve Spaces through an Ingress at all.",
        bad: "kind: Ingress\nmetadata:\n  name: spaces-router\nspec:\n  ingressClassName: nginx\n  rules:\n    - http:\n        paths:\n          - backend:\n              service:\n                name: spaces-router\n",
        good: "kind: Ingress\nmetadata:\n  name: spaces-router\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-passthrough: \"true\"\nspec:\n  ingressClassName: nginx\n  rules:\n    - http:\n        paths:\n          - backend:\n              service:\n                name: spaces-router\n",
        fix: "add the controller's passthrough annotation to ingress.annotations; render adds it for --controller",
        ..rule(
            Code::SE201,
            "ingress-without-passthrough",
            Level::Error,
            Needs::Nothing,
            FixKind::EditsIf(
                "--controller or the Ingress class names a controller with a passthrough annotation (render refuses when every chosen controller passes TLS through Gateway API only)",
            ),
        )
    },
    Rule {
        summary: "the Ingress class can only build a Layer-7 load balancer",
        rationale: "`alb` (AWS Application Load Balancer), `gce` and `gce-internal` (GKE \
            Application Load Balancers) and `azure/application-gateway` terminate TLS and speak \
            HTTP; none of them can pass TLS through. On GKE an Ingress without any class also \
            becomes an external Application Load Balancer.",
        bad: "kind: Ingress\nmetadata:\n  name: spaces-router\nspec:\n  ingressClassName: alb\n",
        good: "kind: Service\nmetadata:\n  name: spaces-router\nspec:\n  type: LoadBalancer\n",
        fix: "expose the router as a LoadBalancer Service or through a Gateway in passthrough; render refuses this Ingress",
        ..rule(
            Code::SE202,
            "ingress-class-l7-only",
            Level::Error,
            Needs::Nothing,
            FixKind::Refuses,
        )
    },
    Rule {
        summary: "an Ingress to the router carries an annotation that only means something at Layer 7",
        rationale: "Under TLS passthrough the controller never sees HTTP, so proxy timeouts, body \
            sizes, rewrites, snippets and backend TLS settings are void; ALB, Application Gateway \
            and GKE L7 keys configure load balancers that cannot pass TLS through. They mislead \
            whoever reads the manifest into thinking the timeouts protect long watches.",
        bad: "kind: Ingress\nmetadata:\n  name: spaces-router\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-passthrough: \"true\"\n    nginx.ingress.kubernetes.io/proxy-read-timeout: \"3600\"\n",
        good: "kind: Ingress\nmetadata:\n  name: spaces-router\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-passthrough: \"true\"\n",
        fix: "remove the annotation from ingress.annotations; render strips it",
        ..rule(
            Code::SE203,
            "ingress-l7-annotation",
            Level::Warn,
            Needs::Nothing,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "the router is exposed through ingress-nginx, which is retired",
        rationale: "ingress-nginx was retired in March 2026: its last release (controller v1.15.1, \
            chart 4.15.1) gets no more security fixes, and an Ingress controller sits in front of \
            every connection to spaces-router. Upbound's migration guide recommends, in this \
            order: a LoadBalancer Service for the router; Gateway API with Envoy Gateway (the \
            cloud annotations on its EnvoyProxy `envoyService.annotations`); or another Ingress \
            controller with TLS passthrough, such as Traefik's NGINX provider, which reads the \
            same `ssl-passthrough` annotation. Spaces 1.16+ can run the Ingress and the Gateway \
            side by side during the switch; Spaces 1.15 and older cannot.",
        bad: "# with --controller ingress-nginx\nkind: Ingress\nmetadata:\n  name: spaces-router\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-passthrough: \"true\"\nspec:\n  ingressClassName: nginx\n",
        good: "# with --controller envoy-gateway\nkind: Gateway\nmetadata:\n  name: spaces\nspec:\n  gatewayClassName: envoy-gateway\n  listeners:\n    - name: tls\n      port: 443\n      protocol: TLS\n      tls:\n        mode: Passthrough\n",
        fix: "move off ingress-nginx in Upbound's order: a LoadBalancer Service (--mode load-balancer), Gateway API with Envoy Gateway (cloud annotations on the EnvoyProxy envoyService.annotations), or another passthrough Ingress controller (Traefik's NGINX provider); `spaces-expose guide --migrate` prints the steps. Render leaves the Ingress and warns",
        ..rule(
            Code::SE204,
            "ingress-nginx-retired",
            Level::Warn,
            Needs::Nothing,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "with --mode ingress, no Ingress routes to a target Service",
        rationale: "Ingress mode switches the Ingresses in front of the router to TLS passthrough. When the stream holds none, nothing is switched: the chart values probably do not provision the Ingress (ingress.provision), or the Ingress names another Service.",
        bad: "# with --mode ingress: a stream without an Ingress\nkind: Service\nmetadata:\n  name: spaces-router\n",
        good: "# with --mode ingress\nkind: Ingress\nmetadata:\n  name: spaces\nspec:\n  defaultBackend:\n    service:\n      name: spaces-router\n",
        fix: "provision the Ingress (ingress.provision: true) or choose the mode the release uses",
        ..rule(
            Code::SE205,
            "no-ingress-to-router",
            Level::Warn,
            Needs::Nothing,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "the Ingress class does not tell which controller serves it, and the passthrough switch depends on it",
        rationale: "Class `nginx` is watched by ingress-nginx and, by default, by Traefik's \
            kubernetesIngressNGINX provider (controller `k8s.io/ingress-nginx` for both). Both \
            read `nginx.ingress.kubernetes.io/ssl-passthrough`, but the switch render writes, and \
            the controller the router NetworkPolicy must admit, depend on which one runs. \
            Without `--controller` (or values whose controller labels name one), render does not \
            guess.",
        bad: "# no --controller\nkind: Ingress\nmetadata:\n  name: spaces-router\nspec:\n  ingressClassName: nginx\n",
        good: "# with --controller traefik\nkind: Ingress\nmetadata:\n  name: spaces-router\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-passthrough: \"true\"\n    nginx.ingress.kubernetes.io/force-ssl-redirect: \"true\"\nspec:\n  ingressClassName: nginx\n",
        fix: "pass --controller ingress-nginx or --controller traefik (or set the passthrough annotation in ingress.annotations); render refuses until it knows",
        ..rule(
            Code::SE206,
            "ingress-controller-ambiguous",
            Level::Error,
            Needs::Nothing,
            FixKind::Refuses,
        )
    },
    Rule {
        summary: "the Ingress's class is not watched by the passthrough provider of the chosen controller",
        rationale: "A passthrough annotation only works on an Ingress that the controller's \
            passthrough provider serves. Traefik's NGINX provider watches class `nginx`; an \
            Ingress of class `traefik` goes to Traefik's plain kubernetesIngress provider, which \
            ignores `nginx.ingress.kubernetes.io/ssl-passthrough` and terminates TLS with its \
            own certificate. Likewise a class that another preset's controller watches is not \
            served by the chosen one. Unknown classes are not reported (a custom IngressClass may \
            point at the chosen controller).",
        bad: "# with --controller traefik\nkind: Ingress\nmetadata:\n  name: spaces-router\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-passthrough: \"true\"\nspec:\n  ingressClassName: traefik\n",
        good: "# with --controller traefik\nkind: Ingress\nmetadata:\n  name: spaces-router\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-passthrough: \"true\"\nspec:\n  ingressClassName: nginx\n",
        fix: "set ingress.ingressClassName to a class the passthrough provider watches (`spaces-expose presets` lists them: `nginx` for Traefik's NGINX provider), or pass --controller for the controller that serves the class; render refuses (no annotation it could add makes the serving provider pass TLS through)",
        ..rule(
            Code::SE207,
            "ingress-class-not-watched-for-passthrough",
            Level::Error,
            Needs::Nothing,
            FixKind::Refuses,
        )
    },
    Rule {
        summary: "a Cilium Ingress to the router lacks the cloud's Layer-4 annotation set",
        rationale: "Cilium's Ingress controller creates a LoadBalancer Service per Ingress (dedicated \
            mode) and copies the Ingress's `service.beta.kubernetes.io/*`, \
            `service.kubernetes.io/*` and `cloud.google.com/*` annotations onto it (operator flag \
            `ingress-lb-annotation-prefixes`). That Service is not in the release, so the \
            cloud's set belongs on the Ingress; without it the cloud builds its default load \
            balancer (a Classic ELB or an internal NLB on AWS). Only an Ingress Cilium serves \
            (class `cilium`, or none) is a Cilium Ingress. A key under another prefix never \
            reaches the Service: when it is the one that makes the load balancer internal \
            (`--scheme internal` on GKE, OCI, Hetzner), the load balancer is internet-facing \
            instead, and render refuses. The copied keys also go through the Service rules \
            (SE101, SE103, SE104, SE105).",
        bad: "# with --controller cilium --cloud aws\nkind: Ingress\nmetadata:\n  name: spaces-router\n  annotations:\n    ingress.cilium.io/tls-passthrough: \"enabled\"\nspec:\n  ingressClassName: cilium\n",
        good: "# with --controller cilium --cloud aws\nkind: Ingress\nmetadata:\n  name: spaces-router\n  annotations:\n    ingress.cilium.io/tls-passthrough: \"enabled\"\n    service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n    service.beta.kubernetes.io/aws-load-balancer-scheme: \"internet-facing\"\n    service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: \"ip\"\nspec:\n  ingressClassName: cilium\n",
        fix: "add the cloud's set (`spaces-expose presets`) to ingress.annotations; render adds it for --cloud and never strips it from a Cilium Ingress. For a key Cilium does not copy, add its prefix to Cilium's ingressController.ingressLBAnnotationPrefixes, then set the key in ingress.annotations or pass it with --annotation (render writes it)",
        ..rule(
            Code::SE208,
            "cilium-ingress-missing-l4-annotations",
            Level::Warn,
            Needs::Cloud,
            FixKind::EditsIf(
                "the keys are under a prefix Cilium copies (service.beta.kubernetes.io/, service.kubernetes.io/, cloud.google.com/) or are given with --annotation; it refuses when a key it cannot write is the one that makes the load balancer internal (--scheme internal on gcp, oci, hetzner)",
            ),
        )
    },
    Rule {
        summary: "a listener of the Spaces Gateway terminates TLS",
        rationale: "A Gateway API `HTTPS` listener always terminates TLS, and a `TLS` listener does \
            too unless `tls.mode` is `Passthrough` (before Gateway API v1.5 a missing mode means \
            `Terminate`; from v1.5 the CRDs reject a TLS listener without a mode). Passthrough \
            needs a `TLS` listener with an explicit `tls.mode: Passthrough` and a TLSRoute to \
            spaces-router. The listeners of a ListenerSet whose `parentRef` is the Spaces Gateway \
            are the Gateway's listeners too, and are checked the same way (also the experimental \
            `XListenerSet` of `gateway.networking.x-k8s.io/v1alpha1`, its name before Gateway \
            API v1.5).",
        bad: "kind: Gateway\nmetadata:\n  name: spaces\nspec:\n  listeners:\n    - name: tls\n      port: 443\n      protocol: HTTPS\n      tls:\n        certificateRefs:\n          - name: spaces-router-tls\n",
        good: "kind: Gateway\nmetadata:\n  name: spaces\nspec:\n  listeners:\n    - name: tls\n      port: 443\n      protocol: TLS\n      tls:\n        mode: Passthrough\n",
        fix: "use protocol TLS with tls.mode Passthrough; render switches the listener (on the Gateway or an attached ListenerSet), writes the mode explicitly and removes certificateRefs",
        ..rule(
            Code::SE301,
            "gateway-listener-terminates-tls",
            Level::Error,
            Needs::Nothing,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "an HTTPRoute sends traffic to spaces-router",
        rationale: "An HTTPRoute attaches to a listener that terminates TLS and proxies HTTP; the \
            Spaces chart renders one only when the router runs without TLS. Client certificates \
            never reach the router and the proxy's timeouts cut long watches.",
        bad: "kind: HTTPRoute\nmetadata:\n  name: spaces-router\nspec:\n  rules:\n    - backendRefs:\n        - name: spaces-router\n          port: 8443\n",
        good: "kind: TLSRoute\nmetadata:\n  name: spaces-router\nspec:\n  rules:\n    - backendRefs:\n        - name: spaces-router\n          port: 8443\n",
        fix: "run the router with TLS so the chart renders a TLSRoute; render reports the HTTPRoute and leaves it alone",
        ..rule(
            Code::SE302,
            "http-route-to-router",
            Level::Error,
            Needs::Nothing,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "the Spaces Gateway uses a GatewayClass that can only do Layer 7",
        rationale: "The AWS Load Balancer Controller's ALB gateway (`gateway.k8s.aws/alb`), Azure \
            Application Gateway for Containers (`azure-alb-external`) and GKE's `gke-l7-*` \
            classes build HTTP load balancers with no TLS passthrough listener. The exceptions \
            are GKE's passthrough-capable classes (GKE 1.35 and later): \
            `gke-l7-regional-external-managed`, `gke-l7-rilb`, their `-mc` variants and \
            `gke-l7-cross-regional-internal-managed-mc` take a TLS Passthrough listener and a \
            TLSRoute. The AWS controller's L4 gateway (`gateway.k8s.aws/nlb`) passes TCP through \
            and is no L7 class either (SE403 then asks for an ipBlock).",
        bad: "kind: Gateway\nmetadata:\n  name: spaces\nspec:\n  gatewayClassName: gke-l7-global-external-managed\n",
        good: "kind: Gateway\nmetadata:\n  name: spaces\nspec:\n  gatewayClassName: envoy-gateway\n",
        fix: "use a Gateway controller with TLS passthrough (Envoy Gateway, Istio, NGINX Gateway Fabric, kgateway, Contour) or LoadBalancer mode; render refuses this class",
        ..rule(
            Code::SE303,
            "gateway-class-l7-only",
            Level::Error,
            Needs::Nothing,
            FixKind::Refuses,
        )
    },
    Rule {
        summary: "the Gateway's infrastructure annotations exceed the Gateway API limit",
        rationale: "Gateway API validates `spec.infrastructure.annotations` to at most 16 keys \
            from v1.6.0 and at most 8 through v1.5.1 (gateway-api apis/v1/gateway_types.go; the \
            labels stay at 8). The API server rejects a Gateway with more, and the whole release \
            fails. More than 16 is an error: render refuses to add the cloud's Layer-4 set past \
            the limit. 9 to 16 keys is a warning: valid only where the cluster runs Gateway API \
            v1.6 or later CRDs. With `--cloud`, the keys the Layer-4 set adds are counted.",
        bad: "kind: Gateway\nmetadata:\n  name: spaces\nspec:\n  infrastructure:\n    annotations:\n      a1: \"1\"\n      # ... seventeen keys in all\n",
        good: "kind: Gateway\nmetadata:\n  name: spaces\nspec:\n  infrastructure:\n    annotations:\n      service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n",
        fix: "move settings to the controller's own configuration (e.g. Envoy Gateway's EnvoyProxy), or install Gateway API v1.6+ CRDs for 9 to 16 keys; render refuses to grow the list past 16",
        ..rule(
            Code::SE304,
            "gateway-infrastructure-annotations-over-limit",
            Level::Warn,
            Needs::Nothing,
            FixKind::RefusesIf("the Gateway would hold more than 16 keys"),
        )
    },
    Rule {
        summary: "the Spaces Gateway's infrastructure annotations lack the cloud's Layer-4 set",
        rationale: "Gateway API copies `spec.infrastructure.annotations` onto the Service the \
            controller generates for the Gateway (standard since Gateway API v1.2). Without the \
            cloud's set that Service gets the cloud's default load balancer (a Classic ELB or an \
            internal NLB on AWS). Controllers that build the cloud load balancer themselves and \
            generate no Service (GKE's `gke-l7-*` classes, the AWS Load Balancer Controller's \
            `gateway.k8s.aws/*`, Azure Application Gateway for Containers) are not asked for it: \
            the set would configure nothing.",
        bad: "# with --cloud aws\nkind: Gateway\nmetadata:\n  name: spaces\nspec:\n  gatewayClassName: envoy-gateway\n",
        good: "# with --cloud aws\nkind: Gateway\nmetadata:\n  name: spaces\nspec:\n  gatewayClassName: envoy-gateway\n  infrastructure:\n    annotations:\n      service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n      service.beta.kubernetes.io/aws-load-balancer-scheme: \"internet-facing\"\n      service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: \"ip\"\n",
        fix: "set the annotations on the Gateway (or the controller's Service); render adds them for --cloud",
        ..rule(
            Code::SE305,
            "gateway-missing-l4-annotations",
            Level::Warn,
            Needs::Cloud,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "with --mode gateway, the stream holds no Gateway named by --gateway",
        rationale: "Gateway mode switches the Spaces Gateway to TLS passthrough and gives its generated Service the cloud set. When the Gateway is not in the stream, nothing is switched; that is expected when the Gateway is shared and managed outside the release, and otherwise points at a mistyped --gateway.",
        bad: "# with --mode gateway --gateway spaces: a stream without that Gateway\nkind: Service\nmetadata:\n  name: spaces-router\n",
        good: "# with --mode gateway --gateway spaces\nkind: Gateway\napiVersion: gateway.networking.k8s.io/v1\nmetadata:\n  name: spaces\n",
        fix: "name the Gateway with --gateway, or run render on the release that renders it",
        ..rule(
            Code::SE306,
            "gateway-missing",
            Level::Warn,
            Needs::Nothing,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "a TLSRoute to spaces-router cannot attach to the Spaces Gateway",
        rationale: "A TLSRoute attaches to a listener of its parent only when every condition \
            of Gateway API holds: its `sectionName` (and `port`) names the listener, the listener \
            is `TLS`, the listener's `allowedRoutes.kinds` (when set) lists TLSRoute, its \
            `allowedRoutes.namespaces` admits the route's namespace (`Same` by default), and the \
            listener's hostname intersects the route's hostnames (`*.example.com` matches \
            `spaces.example.com`, not `example.com`). A ListenerSet's listeners count only when \
            the Gateway's `allowedListeners` admits it (none by default). Otherwise the route is \
            not accepted and Spaces is unreachable through the Gateway, although every object \
            applies cleanly: the Spaces 1.16 shared Gateway in another namespace with \
            `from: Same` is the usual case. It is an error because nothing works until one \
            side changes, and render cannot tell which side is meant; only what the stream \
            holds is judged (a Gateway outside the stream, or a namespace selector on other \
            labels than `kubernetes.io/metadata.name`, counts as admitting).",
        bad: "kind: Gateway\nmetadata:\n  name: spaces\n  namespace: gateways\nspec:\n  listeners:\n    - name: tls\n      port: 443\n      protocol: TLS\n      tls:\n        mode: Passthrough\n---\nkind: TLSRoute\nmetadata:\n  name: spaces-router\n  namespace: upbound-system\nspec:\n  parentRefs:\n    - name: spaces\n      namespace: gateways\n      sectionName: tls\n  rules:\n    - backendRefs:\n        - name: spaces-router\n          port: 8443\n",
        good: "kind: Gateway\nmetadata:\n  name: spaces\n  namespace: gateways\nspec:\n  listeners:\n    - name: tls\n      port: 443\n      protocol: TLS\n      tls:\n        mode: Passthrough\n      allowedRoutes:\n        namespaces:\n          from: All\n",
        fix: "make the parentRef name a TLS listener whose allowedRoutes admit the route's namespace and kind and whose hostname matches the route's; render reports it and changes nothing",
        ..rule(
            Code::SE307,
            "tls-route-cannot-attach",
            Level::Error,
            Needs::Nothing,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "a listener of a Traefik Gateway uses a port no Traefik entryPoint listens on",
        rationale: "Traefik binds each Gateway listener to the entryPoint whose address has the \
            listener's port (traefik pkg/provider/kubernetes/gateway); with no such entryPoint \
            the listener is not accepted (`PortUnavailable`) and no route attaches. The ports \
            are the container ports Traefik listens on, not the ports its Service exposes: with \
            the Traefik Helm chart's defaults a TLS listener uses 8443 (websecure, exposed as \
            443), and a listener on 443 fails. The rule knows the chart's entryPoints (web 8000, \
            websecure 8443, traefik 8080, metrics 9100); a config file's \
            `traefik.entryPointPorts` lists other ones. It applies to the Spaces Gateway when \
            its GatewayClass names `traefik.io/gateway-controller` (or is the chart's `traefik` \
            class) and to the ListenerSets attached to it.",
        bad: "kind: Gateway\nmetadata:\n  name: spaces\nspec:\n  gatewayClassName: traefik\n  listeners:\n    - name: tls\n      port: 443\n      protocol: TLS\n      tls:\n        mode: Passthrough\n",
        good: "kind: Gateway\nmetadata:\n  name: spaces\nspec:\n  gatewayClassName: traefik\n  listeners:\n    - name: tls\n      port: 8443\n      protocol: TLS\n      tls:\n        mode: Passthrough\n",
        fix: "use the port of a Traefik entryPoint (websecure: 8443 by default), or list your entryPoints' ports under traefik.entryPointPorts in the config file; render reports it and changes nothing",
        ..rule(
            Code::SE308,
            "traefik-listener-port-not-entrypoint",
            Level::Error,
            Needs::Nothing,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "the Spaces Gateway's class decides the other scheme than --scheme",
        rationale: "GKE's TLS passthrough classes build the load balancer themselves, and the \
            class alone decides whether it is external or internal (GKE docs \"GatewayClass \
            capabilities\"): `gke-l7-regional-external-managed` and its `-mc` variant are \
            internet-facing, `gke-l7-rilb`, `gke-l7-rilb-mc` and \
            `gke-l7-cross-regional-internal-managed-mc` are internal. No annotation changes \
            that, so `--scheme` cannot reach the load balancer: an external class with \
            `--scheme internal` exposes Spaces to the internet although an internal load \
            balancer was asked for, and an internal class with `--scheme internet-facing` \
            leaves it unreachable from outside the VPC. Render cannot choose the class for \
            the user and refuses. The AWS Load Balancer Controller's L4 gateway \
            (`gateway.k8s.aws/nlb`) takes its scheme from a LoadBalancerConfiguration's \
            `spec.scheme` (`internal` by default, aws-load-balancer-controller \
            docs/guide/gateway/loadbalancerconfig.md), not from annotations: `--scheme` does \
            not reach it either. When the stream holds every LoadBalancerConfiguration the \
            GatewayClass (`spec.parametersRef`) and the Gateway \
            (`spec.infrastructure.parametersRef`) reference and one sets the scheme (both: the \
            class's `mergingMode`, `prefer-gateway-class` by default, decides), a scheme other \
            than `--scheme` is refused the same way; otherwise `check -v` notes that \
            `--scheme` does not reach the Gateway.",
        bad: "# with --scheme internal\nkind: Gateway\nmetadata:\n  name: spaces\nspec:\n  gatewayClassName: gke-l7-regional-external-managed\n",
        good: "# with --scheme internal\nkind: Gateway\nmetadata:\n  name: spaces\nspec:\n  gatewayClassName: gke-l7-rilb\n",
        fix: "use the class of the scheme you want (gke-l7-rilb for internal, gke-l7-regional-external-managed for internet-facing), or set the LoadBalancerConfiguration's spec.scheme, or pass the --scheme the class decides; render refuses",
        ..rule(
            Code::SE309,
            "gateway-class-scheme-mismatch",
            Level::Error,
            Needs::Nothing,
            FixKind::Refuses,
        )
    },
    Rule {
        summary: "a Gateway API field render reads has the wrong shape (a mapping for a list, a list for a string, ...)",
        rationale: "Gateway API defines the Spaces Gateway's and a ListenerSet's \
            `spec.listeners`, a TLSRoute's `spec.parentRefs`, `spec.hostnames`, `spec.rules` \
            and `backendRefs` as lists, a listener, its `tls`, a ListenerSet's \
            `spec.parentRef` and a parentRef as mappings, and a listener's `protocol` and \
            `tls.mode` as strings. The API server rejects an object \
            whose field has another shape, so the release fails; and render cannot tell which \
            listener or route was meant, so it could not make the listener pass TLS through \
            or judge the route. Render refuses and names the field, the same finding as check \
            reports.",
        bad: "kind: ListenerSet\nmetadata:\n  name: spaces-tls\nspec:\n  parentRef:\n    name: spaces\n  listeners:\n    name: tls\n    protocol: HTTPS\n",
        good: "kind: ListenerSet\nmetadata:\n  name: spaces-tls\nspec:\n  parentRef:\n    name: spaces\n  listeners:\n    - name: tls\n      protocol: HTTPS\n",
        fix: "write the field with the shape Gateway API defines (a list item starts with `- `); render refuses the stream",
        ..rule(
            Code::SE310,
            "gateway-api-field-shape",
            Level::Error,
            Needs::Nothing,
            FixKind::Refuses,
        )
    },
    Rule {
        summary: "the router NetworkPolicy admits other controller labels than the chosen controller's",
        rationale: "Since Spaces 1.10 the router's NetworkPolicy admits only the exposing \
            controller's data-plane pods (and the connect agent). Labels of another controller, or \
            of the previous one after a migration, either block the real controller (every \
            request times out) or admit pods that should not reach the router.",
        bad: "# with --controller envoy-gateway\nkind: NetworkPolicy\nspec:\n  podSelector:\n    matchLabels:\n      app: spaces-router\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: ingress-nginx\n          podSelector:\n            matchLabels:\n              app.kubernetes.io/name: ingress-nginx\n",
        good: "# with --controller envoy-gateway\nkind: NetworkPolicy\nspec:\n  podSelector:\n    matchLabels:\n      app: spaces-router\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: envoy-gateway-system\n          podSelector:\n            matchLabels:\n              app.kubernetes.io/name: envoy\n              app.kubernetes.io/component: proxy\n              app.kubernetes.io/managed-by: envoy-gateway\n",
        fix: "set ingress/gatewayAPI podLabels and namespaceLabels to the controller's (`spaces-expose presets`); render replaces the controller peers",
        ..rule(
            Code::SE401,
            "network-policy-controller-mismatch",
            Level::Error,
            Needs::Controller,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "a peer of the router NetworkPolicy uses an empty selector",
        rationale: "An empty selector `{}` matches everything: `namespaceSelector: {}` admits every \
            namespace, `podSelector: {}` every pod of the namespace. It usually comes from empty \
            podLabels or namespaceLabels values and silently opens the router to the whole \
            cluster.",
        bad: "kind: NetworkPolicy\nspec:\n  podSelector:\n    matchLabels:\n      app: spaces-router\n  ingress:\n    - from:\n        - namespaceSelector: {}\n",
        good: "kind: NetworkPolicy\nspec:\n  podSelector:\n    matchLabels:\n      app: spaces-router\n  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: ingress-nginx\n",
        fix: "give both selectors labels (values podLabels and namespaceLabels); render replaces controller peers for --controller and never writes an empty selector",
        ..rule(
            Code::SE402,
            "network-policy-empty-selector",
            Level::Error,
            Needs::Nothing,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "in load-balancer mode, or behind a Layer-4 Gateway, the router NetworkPolicy admits nothing from outside the cluster",
        rationale: "With a LoadBalancer Service, clients (or the load balancer's own addresses) \
            reach the router pods directly. The same holds behind a Layer-4 Gateway: the AWS \
            Load Balancer Controller's `gateway.k8s.aws/nlb` makes an NLB whose targets are the \
            route's backends, and GKE's TLS passthrough classes (`gke-l7-regional-external-managed`, \
            `gke-l7-rilb`, their `-mc` variants, `gke-l7-cross-regional-internal-managed-mc`) \
            proxy from the region's proxy-only subnet; no controller pod sits in between. A \
            router policy whose rules only admit controller pods and the connect agent drops \
            that traffic: connections time out although the load balancer is healthy. A rule \
            with an `ipBlock` (or without `from`) is needed. The rule runs with `--mode \
            load-balancer` (given, or implied by `--values`), when the Spaces Gateway's class is \
            one of those Layer-4 classes, or with `--admit-cidr`: in `auto` mode a LoadBalancer \
            Service may sit beside the Ingress or Gateway that really carries the traffic.",
        bad: "kind: NetworkPolicy\nspec:\n  podSelector:\n    matchLabels:\n      app: spaces-router\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n              app: agent\n",
        good: "kind: NetworkPolicy\nspec:\n  podSelector:\n    matchLabels:\n      app: spaces-router\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n              app: agent\n        - ipBlock:\n            cidr: 0.0.0.0/0\n",
        fix: "admit the client or VPC CIDRs with an ipBlock peer on the router port; render does not widen a NetworkPolicy",
        ..rule(
            Code::SE403,
            "network-policy-blocks-load-balancer",
            Level::Error,
            Needs::Nothing,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "Cilium is the controller and no CiliumNetworkPolicy admits its ingress identity",
        rationale: "Traffic from Cilium's Envoy carries the reserved `ingress` identity, which no \
            Kubernetes NetworkPolicy selector can match (cilium \
            Documentation/network/servicemesh/ingress-reference.rst). Only a CiliumNetworkPolicy \
            with `fromEntities: [ingress]` admits it to the router.",
        bad: "# with --controller cilium: a router NetworkPolicy and nothing else\nkind: NetworkPolicy\nspec:\n  podSelector:\n    matchLabels:\n      app: spaces-router\n",
        good: "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nspec:\n  endpointSelector:\n    matchLabels:\n      app: spaces-router\n  ingress:\n    - fromEntities:\n        - ingress\n",
        fix: "add a CiliumNetworkPolicy for the router pods; render adds one after the router policy",
        ..rule(
            Code::SE404,
            "cilium-needs-cilium-policy",
            Level::Warn,
            Needs::Controller,
            FixKind::EditsIf(
                "a rule of the router policy admits a controller and no CiliumNetworkPolicy of that name exists",
            ),
        )
    },
    Rule {
        summary: "a router NetworkPolicy admits a namespace whose peer is not a known controller's",
        rationale: "With --controller, render replaces the peers of known controllers (any preset's labels, the controller labels of the --values files, --replace-peer labels) with the chosen controllers' peers, and leaves every other peer as it is: a monitoring namespace that scrapes the router keeps its access, and no controller gains it. A namespaceSelector peer that matches no known controller is either such a deliberate peer or a controller render does not know; it is reported so that a person decides.",
        bad: "# with --controller traefik\nkind: NetworkPolicy\nspec:\n  podSelector: {matchLabels: {app: spaces-router}}\n  ingress:\n    - from:\n        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: my-proxy}}\n",
        good: "# with --controller traefik --replace-peer kubernetes.io/metadata.name=my-proxy\nkind: NetworkPolicy\nspec:\n  podSelector: {matchLabels: {app: spaces-router}}\n  ingress:\n    - from:\n        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: traefik}}\n          podSelector: {matchLabels: {app.kubernetes.io/name: traefik}}\n",
        fix: "leave a deliberate peer as it is; name an old controller's peer with --replace-peer K=V so that render replaces it",
        ..rule(
            Code::SE405,
            "network-policy-unknown-namespace-peer",
            Level::Warn,
            Needs::Controller,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "the router NetworkPolicy has no peer for the chosen controller at all",
        rationale: "When the router policy's rules admit only other sources (the connect agent's \
            `app: agent`, a monitoring namespace), the chosen controller's data-plane pods are \
            dropped and every connection through the Ingress or Gateway times out. SE401 \
            rewrites the controller peers of a rule that has them; a policy without any is left \
            to a person, since adding a rule would admit a source the policy never named. An \
            `ipBlock` peer (even `0.0.0.0/0`) does not count: Kubernetes means it for addresses \
            outside the cluster and leaves open whether it matches pod addresses, and Cilium's \
            CIDR rules never match traffic between pods it manages, so the controller's pods \
            may be dropped all the same; the message names the ipBlock.",
        bad: "# with --controller traefik\nkind: NetworkPolicy\nspec:\n  podSelector: {matchLabels: {app: spaces-router}}\n  ingress:\n    - from:\n        - podSelector: {matchLabels: {app: agent}}\n",
        good: "# with --controller traefik\nkind: NetworkPolicy\nspec:\n  podSelector: {matchLabels: {app: spaces-router}}\n  ingress:\n    - from:\n        - podSelector: {matchLabels: {app: agent}}\n        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: traefik}}\n          podSelector: {matchLabels: {app.kubernetes.io/name: traefik}}\n",
        fix: "set ingress/gatewayAPI podLabels and namespaceLabels so that the chart's policy admits the controller; render warns and does not add a rule",
        ..rule(
            Code::SE406,
            "network-policy-no-controller-peer",
            Level::Error,
            Needs::Controller,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "a router NetworkPolicy port is the Service's port, not the pod's",
        rationale: "A NetworkPolicy filters traffic at the pod: its `ports` are the container \
            ports (the Service's `targetPort`), never the Service's `port`. A rule that names the \
            Service port (443 in front of the router's 8443) admits nothing on the router's real \
            port, and connections time out.",
        bad: "# Service spaces-router: port 443, targetPort 8443\nkind: NetworkPolicy\nspec:\n  podSelector: {matchLabels: {app: spaces-router}}\n  ingress:\n    - ports:\n        - port: 443\n",
        good: "# Service spaces-router: port 443, targetPort 8443\nkind: NetworkPolicy\nspec:\n  podSelector: {matchLabels: {app: spaces-router}}\n  ingress:\n    - ports:\n        - port: 8443\n",
        fix: "name the Service's targetPort (the router's container port) in the policy; render warns and leaves the port (changing it would admit the rule's peers to a port they were not admitted to)",
        ..rule(
            Code::SE407,
            "network-policy-port-is-service-port",
            Level::Error,
            Needs::Nothing,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "an annotation or label value is not a string in YAML",
        rationale: "Kubernetes reads YAML 1.1: plain `true`, `yes`, `on`, `8443`, `0644` or an \
            empty value are booleans, numbers or null, and the API server rejects an annotation \
            or label whose value is not a string, so the whole release fails. Quote the value.",
        bad: "metadata:\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-passthrough: true\n",
        good: "metadata:\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-passthrough: \"true\"\n",
        fix: "quote the value in the template (`{{ .Values.x | quote }}`); render quotes only the values it writes",
        ..rule(
            Code::SE501,
            "non-string-annotation-value",
            Level::Error,
            Needs::Nothing,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "a mapping repeats a key",
        rationale: "Kubernetes' YAML decoder keeps the last of two equal keys without a word, so \
            the first value (often the one a reviewer reads) has no effect. Two templates writing \
            the same annotation is the usual cause.",
        bad: "metadata:\n  annotations:\n    a: \"1\"\n    a: \"2\"\n",
        good: "metadata:\n  annotations:\n    a: \"2\"\n",
        fix: "remove one of the keys in the template; render keeps both and reads the last",
        ..rule(
            Code::SE502,
            "duplicate-key",
            Level::Warn,
            Needs::Nothing,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "a document is not valid YAML",
        rationale: "A document that does not parse cannot be checked, and Helm or the API server \
            will refuse it. check reports it and exits 2, like any input that is not valid YAML.",
        bad: "metadata:\n  name: a\n   labels: {}\n",
        good: "metadata:\n  name: a\n  labels: {}\n",
        fix: "fix the template that produced the document; render refuses the stream",
        ..rule(
            Code::SE503,
            "invalid-yaml",
            Level::Error,
            Needs::Nothing,
            FixKind::Refuses,
        )
    },
    Rule {
        summary: "render must edit this document but cannot edit its layout with certainty",
        rationale: "Render edits the text of a manifest, never a re-emitted copy, so every edit must \
            land where Kubernetes reads it. Some layouts make that uncertain: a mapping with a \
            complex or explicit (`?`) key, a value that is an alias or an anchor other nodes \
            share, a nested inline sequence. Rather than guess, render refuses the whole \
            stream, and check reports the document so that CI finds it before Helm does.",
        bad: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations: *shared\n",
        good: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    example.com/owner: \"platform\"\n",
        fix: "write that part of the template in plain block style (no anchors, aliases or complex keys), with the shape Kubernetes expects (a mapping for annotations, a string for a field like spec.type)",
        ..rule(
            Code::SE504,
            "layout-not-editable",
            Level::Error,
            Needs::Nothing,
            FixKind::Refuses,
        )
    },
    // ---- values: Spaces values files (twins of the rules above, at the values' lines)
    Rule {
        summary: "a Spaces values file puts a Layer-7, TLS-termination or PROXY-protocol annotation on the router Service",
        rationale: "The twin of SE101, SE104 and SE105 for the chart's own values: since Spaces \
            1.16 `router.proxy.service.annotations` become the annotations of the spaces-router \
            Service, so a `backend-protocol`, `ssl-cert` or `proxy-protocol` key there makes the \
            load balancer speak HTTP, end TLS, or prepend a PROXY header, and the router's \
            client-certificate handshake and long watches break.",
        bad: "router:\n  proxy:\n    service:\n      type: LoadBalancer\n      annotations:\n        service.beta.kubernetes.io/aws-load-balancer-backend-protocol: http\n",
        good: "router:\n  proxy:\n    service:\n      type: LoadBalancer\n      annotations:\n        service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n",
        fix: "remove the key from the values file; `spaces-expose values --values FILE --write` removes it (unless --keep-annotation names it)",
        ..rule(
            Code::SE601,
            "values-l7-annotation-on-service",
            Level::Error,
            Needs::Nothing,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "a Spaces values file makes the router a LoadBalancer without the cloud's Layer-4 annotations",
        rationale: "The twin of SE102 (and SE106, SE108): with `router.proxy.service.type: \
            LoadBalancer` the chart exposes the router directly, and only the cloud's Layer-4 set \
            makes that a passthrough Network Load Balancer (AWS: `type: external` with an explicit \
            scheme, since the controller defaults to internal; GCP: `l4-rbs`; Azure: a TCP probe \
            for the router port, which answers 401 to an HTTPS probe).",
        bad: "router:\n  proxy:\n    service:\n      type: LoadBalancer\n",
        good: "router:\n  proxy:\n    service:\n      type: LoadBalancer\n      annotations:\n        service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n        service.beta.kubernetes.io/aws-load-balancer-scheme: \"internet-facing\"\n        service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: \"ip\"\n",
        fix: "add the set to router.proxy.service.annotations; `spaces-expose values --values FILE --write` adds it (an AWS target type or NLB type you chose stays)",
        ..rule(
            Code::SE602,
            "values-missing-l4-annotations",
            Level::Error,
            Needs::Cloud,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "a Spaces values file puts another cloud's load-balancer annotation on the router Service",
        rationale: "The twin of SE103: an annotation of another cloud (or of the other scheme) in \
            `router.proxy.service.annotations` does nothing on this cloud at best, and misleads \
            the reader about how the router is exposed.",
        bad: "router:\n  proxy:\n    service:\n      annotations:\n        cloud.google.com/l4-rbs: \"enabled\"\n",
        good: "router:\n  proxy:\n    service:\n      annotations:\n        service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n",
        fix: "remove the key; `spaces-expose values --values FILE --write` removes it",
        ..rule(
            Code::SE603,
            "values-foreign-cloud-annotation",
            Level::Warn,
            Needs::Cloud,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "--mode load-balancer, and the values keep the router Service a ClusterIP",
        rationale: "The twin of SE109: in load-balancer mode the router's own Service is the load \
            balancer, and since Spaces 1.16 `router.proxy.service.type` says so without a \
            post-renderer.",
        bad: "router:\n  proxy:\n    service:\n      type: ClusterIP\n",
        good: "router:\n  proxy:\n    service:\n      type: LoadBalancer\n",
        fix: "set router.proxy.service.type to LoadBalancer; `spaces-expose values --values FILE --write` sets it",
        ..rule(
            Code::SE604,
            "values-service-not-load-balancer",
            Level::Warn,
            Needs::Nothing,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "a Spaces values file gives the Ingress a class that can only do Layer 7",
        rationale: "The twin of SE202: `ingress.ingressClassName` `alb`, `gce`, `gce-internal` or \
            `azure/application-gateway` (or no class at all on GKE) is an HTTP load balancer that \
            ends TLS and times out the router's watch connections; no annotation makes it pass TLS \
            through.",
        bad: "ingress:\n  provision: true\n  ingressClassName: alb\n",
        good: "ingress:\n  provision: true\n  ingressClassName: nginx\n",
        fix: "use a passthrough controller's class, or load-balancer or Gateway mode; with --controller, `spaces-expose values --values FILE --write` sets that controller's class",
        ..rule(
            Code::SE605,
            "values-ingress-class-l7-only",
            Level::Error,
            Needs::Nothing,
            FixKind::EditsIf("a --controller names the class to use"),
        )
    },
    Rule {
        summary: "a Spaces values file provisions the Ingress without the controller's TLS passthrough annotations",
        rationale: "The twin of SE201: since 1.16 the chart no longer adds nginx annotations, so \
            `ingress.annotations` must carry the controller's passthrough switch \
            (`nginx.ingress.kubernetes.io/ssl-passthrough` for ingress-nginx and Traefik's NGINX \
            provider, `haproxy.org/ssl-passthrough`, `ingress.cilium.io/tls-passthrough`), or the \
            controller ends TLS before spaces-router.",
        bad: "ingress:\n  provision: true\n  ingressClassName: nginx\n",
        good: "ingress:\n  provision: true\n  ingressClassName: nginx\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-passthrough: \"true\"\n",
        fix: "add the annotations; `spaces-expose values --values FILE --write` adds those of --controller (or of the controller the class names)",
        ..rule(
            Code::SE606,
            "values-ingress-without-passthrough",
            Level::Error,
            Needs::Nothing,
            FixKind::EditsIf("the controller is known"),
        )
    },
    Rule {
        summary: "a Spaces values file gives the Ingress a Layer-7-only annotation",
        rationale: "The twin of SE203: under TLS passthrough the controller never reads the HTTP \
            request, so timeouts, rewrites, snippets and the cloud L7 keys in `ingress.annotations` \
            are void and mislead whoever reads the values.",
        bad: "ingress:\n  annotations:\n    nginx.ingress.kubernetes.io/proxy-read-timeout: \"3600\"\n",
        good: "ingress:\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-passthrough: \"true\"\n",
        fix: "remove the key; `spaces-expose values --values FILE --write` removes it",
        ..rule(
            Code::SE607,
            "values-ingress-l7-annotation",
            Level::Warn,
            Needs::Nothing,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "the controller labels of a Spaces values file, merged with the chart's defaults, do not select the chosen controller",
        rationale: "The twin of SE401: the router NetworkPolicy admits the pods that \
            `ingress.podLabels` and `namespaceLabels` (or the `gatewayAPI` ones) select. Helm \
            merges a values map with the chart's default map, so a key of the default \
            (ingress-nginx's `app.kubernetes.io/component: controller`) stays unless the file sets \
            it to null, and then no Traefik or HAProxy pod matches.",
        bad: "ingress:\n  podLabels:\n    app.kubernetes.io/name: traefik\n  namespaceLabels:\n    kubernetes.io/metadata.name: traefik\n",
        good: "ingress:\n  podLabels:\n    app.kubernetes.io/name: traefik\n    app.kubernetes.io/component: null\n  namespaceLabels:\n    kubernetes.io/metadata.name: traefik\n",
        fix: "set the controller's labels and null the defaults it lacks; `spaces-expose values --values FILE --write` does both",
        ..rule(
            Code::SE608,
            "values-controller-labels-mismatch",
            Level::Error,
            Needs::Controller,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "a Spaces values file names a GatewayClass that cannot pass TLS through",
        rationale: "The twin of SE303: `gke-l7-*` classes (other than GKE's passthrough-capable \
            ones behind a TLSRoute) and `azure-alb-external` are HTTP load balancers that end TLS \
            before spaces-router.",
        bad: "gatewayAPI:\n  gateway:\n    provision: true\n    className: gke-l7-global-external-managed\n",
        good: "gatewayAPI:\n  gateway:\n    provision: true\n    className: envoy-gateway\n",
        fix: "name a GatewayClass of a controller that passes TLS through (values cannot choose it for you)",
        ..rule(
            Code::SE609,
            "values-gateway-class-l7-only",
            Level::Error,
            Needs::Nothing,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "a Spaces values file has a key the chart does not read under an exposure section",
        rationale: "Helm ignores values keys no template reads, without a word: a typo such as \
            `ingress.ingressClass` or `router.proxy.service.anotations` leaves the chart's default \
            in place, and the router is exposed some other way than the file says. The finding \
            names the nearest key the chart knows under `router.proxy.service`, `ingress`, \
            `gatewayAPI` and `externalTLS`.",
        bad: "ingress:\n  ingressClass: nginx\n",
        good: "ingress:\n  ingressClassName: nginx\n",
        fix: "rename the key to the one the chart reads (the message names the nearest)",
        ..rule(
            Code::SE610,
            "values-unknown-key",
            Level::Warn,
            Needs::Nothing,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "an annotation or label value in a Spaces values file is not a string in YAML",
        rationale: "The twin of SE501: the chart copies these maps into metadata with `toYaml`, so \
            a plain `true`, `8443` or `on` stays a boolean or number, and the API server rejects \
            the object and the whole release fails.",
        bad: "ingress:\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-passthrough: true\n",
        good: "ingress:\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-passthrough: \"true\"\n",
        fix: "quote the value; `spaces-expose values --values FILE --write` quotes it",
        ..rule(
            Code::SE611,
            "values-non-string-annotation-value",
            Level::Error,
            Needs::Nothing,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "--mode ingress or gateway, and the values do not provision that path",
        rationale: "The twin of SE205 and SE306: Spaces 1.16 provisions neither an Ingress nor a \
            Gateway by default, so without `ingress.provision` (or `gatewayAPI.gateway.provision` \
            and `gatewayAPI.spacesRouterRoute.provision`) the chart renders nothing for that mode.",
        bad: "ingress:\n  ingressClassName: nginx\n",
        good: "ingress:\n  provision: true\n  ingressClassName: nginx\n",
        fix: "set the provision keys to true; `spaces-expose values --values FILE --write` sets them",
        ..rule(
            Code::SE612,
            "values-path-not-provisioned",
            Level::Warn,
            Needs::Nothing,
            FixKind::Edits,
        )
    },
    Rule {
        summary: "a Spaces values file gives the Ingress a class the chosen controller's TLS passthrough does not watch by default",
        rationale: "Traefik honours `nginx.ingress.kubernetes.io/ssl-passthrough` only in its \
            kubernetesIngressNGINX provider, which watches class `nginx`; under class `traefik` its \
            standard provider serves the Ingress and terminates TLS. Controllers can be configured \
            to watch other classes, so this is a warning.",
        bad: "ingress:\n  provision: true\n  ingressClassName: traefik\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-passthrough: \"true\"\n",
        good: "ingress:\n  provision: true\n  ingressClassName: nginx\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-passthrough: \"true\"\n",
        fix: "use the class the controller's passthrough watches (`spaces-expose values --controller NAME` prints it), unless you configured the controller otherwise",
        ..rule(
            Code::SE613,
            "values-ingress-class-not-watched",
            Level::Warn,
            Needs::Controller,
            FixKind::Warns,
        )
    },
    Rule {
        summary: "a boolean switch of the Spaces chart is a quoted string",
        rationale: "The chart tests `ingress.provision` and the `gatewayAPI` provision keys with \
            `if`, and a Go template reads every non-empty string as true: `provision: \"false\"` \
            provisions the Ingress or Gateway, an extra path to the router the reader thinks is off.",
        bad: "ingress:\n  provision: \"false\"\n",
        good: "ingress:\n  provision: false\n",
        fix: "write the boolean unquoted; `spaces-expose values --values FILE --write` does",
        ..rule(
            Code::SE614,
            "values-quoted-boolean",
            Level::Error,
            Needs::Nothing,
            FixKind::Edits,
        )
    },
];

/// The rule with this code (`SE101`, case-insensitively) or name
/// (`l7-annotation-on-service`).
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.code_str.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

pub fn level_name(level: Level) -> &'static str {
    match level {
        Level::Off => "off",
        Level::Warn => "warn",
        Level::Error => "error",
    }
}

fn indent(text: &str, by: &str) -> String {
    text.lines().map(|l| format!("{by}{l}\n")).collect()
}

/// Joins the rationale's source lines (written with `\` continuations) into a paragraph
/// and wraps it at `width` columns.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// `explain CODE`: the rule's page as plain text.
pub fn explain(rule: &Rule) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", rule.code, rule.name);
    let _ = writeln!(out, "level: {}", level_name(rule.level));
    if let Some(option) = rule.needs.option() {
        let _ = writeln!(out, "needs: {option} (skipped without it)");
    }
    let (who, what) = remedy(rule);
    let _ = writeln!(out, "{who}: {what}");
    let _ = writeln!(out, "\n{}.\n", capitalize(rule.summary));
    out.push_str(&wrap(rule.rationale, 88));
    out.push_str("\nBad:\n");
    out.push_str(&indent(rule.bad, "    "));
    out.push_str("\nGood:\n");
    out.push_str(&indent(rule.good, "    "));
    let _ = writeln!(out, "\nFix: {}.", rule.fix);
    out
}

/// Who acts on a rule's findings and what it does: render, or for the values family
/// `values --values` (render never reads values files).
fn remedy(rule: &Rule) -> (&'static str, String) {
    let text = rule.fix_kind.describe();
    match rule.code.family() {
        Family::Values => (
            "values --values",
            text.replacen("render ", "", 1)
                .replacen("refuses the input", "refuses", 1),
        ),
        _ => ("render", text),
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `docs/rules.md`, generated from [`RULES`].
pub fn markdown() -> String {
    let mut out = String::new();
    out.push_str("# Rules\n\n");
    out.push_str(
        "<!-- Generated from src/rules/registry.rs by `UPDATE_DOCS=1 cargo test --test check`; do not edit. -->\n\n",
    );
    out.push_str(
        "`spaces-expose check` reports these findings, and render acts on the same findings: it\n\
         applies the fixes of the fixable ones, refuses the input where the rule says so, and prints\n\
         every other finding as a warning (`--strict` then fails). Change a level with\n\
         `--rule CODE=off|warn|error` or `rules:` in the config file (a rule that is `off` is neither\n\
         reported nor fixed); `spaces-expose explain CODE` prints one page. How the rules and render\n\
         fit together: [design.md](design.md).\n\n",
    );
    out.push_str("| code | name | level | needs | render | finding |\n|---|---|---|---|---|---|\n");
    for r in RULES {
        let _ = writeln!(
            out,
            "| [{code}](#{anchor}) | `{name}` | {level} | {needs} | {render} | {summary} |",
            code = r.code,
            anchor = r.code_str.to_ascii_lowercase(),
            name = r.name,
            level = level_name(r.level),
            needs = r
                .needs
                .option()
                .map_or("–".to_string(), |n| format!("`{n}`")),
            render = match r.fix_kind {
                FixKind::Edits => "fixes",
                FixKind::EditsIf(_) => "fixes or warns",
                FixKind::Refuses => "refuses",
                FixKind::RefusesIf(_) => "refuses or warns",
                FixKind::Warns => "warns",
            },
            summary = r.summary,
        );
    }
    for r in RULES {
        let _ = writeln!(out, "\n## {}\n", r.code);
        let _ = writeln!(
            out,
            "`{}` · default level `{}`{}\n",
            r.name,
            level_name(r.level),
            r.needs.option().map_or(String::new(), |n| format!(
                " · needs `{n}` (skipped without it)"
            ))
        );
        let _ = writeln!(out, "{}.\n", capitalize(r.summary));
        out.push_str(&wrap(r.rationale, 100));
        let _ = write!(out, "\nBad:\n\n```yaml\n{}```\n", r.bad);
        let _ = write!(out, "\nGood:\n\n```yaml\n{}```\n", r.good);
        let _ = writeln!(out, "\nFix: {}.", r.fix);
        let (who, what) = remedy(r);
        let who = match r.code.family() {
            Family::Values => format!("`{who}`"),
            _ => capitalize(who),
        };
        let _ = writeln!(out, "\n{who}: {what}.");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_every_code_once_in_enum_order() {
        assert_eq!(RULES.len(), CODE_NAMES.len());
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(r.code as usize, i, "{} is out of order", r.code_str);
            assert_eq!(format!("{:?}", r.code), r.code_str);
        }
    }

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        for (i, a) in RULES.iter().enumerate() {
            assert!(a.code_str.len() == 5 && a.code_str.starts_with("SE"));
            assert!(
                a.name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{}",
                a.name
            );
            assert_ne!(a.level, Level::Off);
            for field in [a.summary, a.rationale, a.bad, a.good, a.fix] {
                assert!(!field.is_empty(), "{} has an empty field", a.code);
            }
            for b in &RULES[i + 1..] {
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn the_family_follows_the_hundreds_digit() {
        for r in RULES {
            let family = match &r.code_str[2..3] {
                "1" => Family::Service,
                "2" => Family::Ingress,
                "3" => Family::Gateway,
                "4" => Family::NetworkPolicy,
                "6" => Family::Values,
                _ => Family::Yaml,
            };
            assert_eq!(r.code.family(), family, "{}", r.code);
        }
    }

    #[test]
    fn find_by_code_or_name() {
        assert_eq!(
            find("se101").map(|r| r.name),
            Some("l7-annotation-on-service")
        );
        assert_eq!(find("duplicate-key").map(|r| r.code), Some(Code::SE502));
        assert!(find("SE999").is_none());
    }
}

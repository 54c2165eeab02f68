//! The rule registry: every lint rule as one row of data. `check` reports with these
//! codes and names, `explain` prints a row, SARIF copies the rows into its rule
//! metadata, and `docs/rules.md` is generated from them. Codes are never reused.

use std::fmt::Write as _;

use crate::config::Level;

/// An option a rule cannot work without; the rule is skipped (and `-v` says so)
/// when the option is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    /// `--cloud` (any value but `none` counts as given; `none` is given too).
    Cloud,
    /// At least one `--controller`.
    Controller,
}

#[derive(Debug)]
pub struct Rule {
    pub code: &'static str,
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
    /// Whether `render` with the same options removes the cause, so that its output
    /// never triggers the rule (the no-false-positive tests rely on this).
    pub render_fixes: Fixes,
}

/// Whether render's output is free of a rule's findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fixes {
    /// Render leaves the cause (or refuses the input).
    No,
    Yes,
    /// Only when a `--controller` tells render what to write.
    WithController,
}

const fn rule(
    code: &'static str,
    name: &'static str,
    level: Level,
    needs: Needs,
    render_fixes: Fixes,
) -> Rule {
    Rule {
        code,
        name,
        level,
        summary: "",
        needs,
        rationale: "",
        bad: "",
        good: "",
        fix: "",
        render_fixes,
    }
}

/// The catalogue (SPEC §6).
pub const RULES: &[Rule] = &[
    Rule {
        summary: "a target Service carries an annotation that makes its load balancer work at Layer 7",
        rationale: "Spaces clients (kubectl, Argo CD) hold watch connections open for hours, and \
            spaces-router authenticates them with client certificates, so every hop before the \
            router must pass TCP through. Annotations such as `aws-load-balancer-backend-protocol`, \
            the Classic ELB `aws-load-balancer-connection-idle-timeout`, GKE's `backend-config` and \
            `app-protocols`, or a `cloud.google.com/neg` that asks for `\"ingress\": true` belong to \
            HTTP load balancers, which time those connections out. An `aws-load-balancer-type` \
            other than `external`, `nlb` or `nlb-ip` asks for a Classic ELB.",
        bad: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-backend-protocol: \"http\"\nspec:\n  type: LoadBalancer\n",
        good: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\nspec:\n  type: LoadBalancer\n",
        fix: "remove the annotation from the router Service values; render strips it (unless it is named by --keep-annotation)",
        ..rule(
            "SE101",
            "l7-annotation-on-service",
            Level::Error,
            Needs::Nothing,
            Fixes::Yes,
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
            "SE102",
            "missing-l4-annotations",
            Level::Error,
            Needs::Cloud,
            Fixes::Yes,
        )
    },
    Rule {
        summary: "a target Service carries another cloud's load-balancer annotation",
        rationale: "A load-balancer key of another cloud configures nothing where it runs, or \
            something unexpected after a migration, and misleads whoever reads the manifest. It \
            usually survives from values copied between clusters.",
        bad: "# with --cloud gcp\nkind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    cloud.google.com/l4-rbs: \"enabled\"\n    service.beta.kubernetes.io/aws-load-balancer-scheme: \"internal\"\n",
        good: "# with --cloud gcp\nkind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    cloud.google.com/l4-rbs: \"enabled\"\n",
        fix: "drop the other cloud's keys from the values; render strips them when --cloud is not none",
        ..rule(
            "SE103",
            "foreign-cloud-annotation",
            Level::Warn,
            Needs::Cloud,
            Fixes::Yes,
        )
    },
    Rule {
        summary: "the load balancer terminates TLS in front of spaces-router",
        rationale: "`aws-load-balancer-ssl-cert` and `-ssl-ports` turn NLB listeners into TLS \
            listeners that decrypt traffic with an ACM certificate; the negotiation and ALPN \
            policies only exist for such listeners. spaces-router then never sees the client \
            certificate that authenticates a Spaces user, and the TLS listener's fixed 350 s idle \
            timeout applies.",
        bad: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-ssl-cert: \"arn:aws:acm:...\"\n    service.beta.kubernetes.io/aws-load-balancer-ssl-ports: \"443\"\n",
        good: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n",
        fix: "serve the certificate from spaces-router (externalTLS) and remove the TLS keys; render strips them",
        ..rule(
            "SE104",
            "tls-terminated-at-load-balancer",
            Level::Error,
            Needs::Nothing,
            Fixes::Yes,
        )
    },
    Rule {
        summary: "PROXY protocol is enabled on the router's load balancer",
        rationale: "With PROXY protocol the load balancer sends a PROXY header before the client's \
            bytes. spaces-router expects a TLS ClientHello as the first bytes of a connection, so \
            every handshake fails.",
        bad: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-proxy-protocol: \"*\"\n",
        good: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n",
        fix: "remove the PROXY protocol annotation; render strips it",
        ..rule(
            "SE105",
            "proxy-protocol-enabled",
            Level::Error,
            Needs::Nothing,
            Fixes::Yes,
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
            "SE106",
            "aws-scheme-defaults-internal",
            Level::Warn,
            Needs::Nothing,
            Fixes::Yes,
        )
    },
    Rule {
        summary: "the Azure TCP idle timeout is not a whole number of minutes from 4 to 30",
        rationale: "`service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout` is in whole \
            minutes and cloud-provider-azure accepts 4 to 30 (topics/loadbalancer.md); any other \
            value makes the Service fail to reconcile, so the load balancer is never updated.",
        bad: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout: \"60\"\n",
        good: "kind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/azure-load-balancer-tcp-idle-timeout: \"30\"\n",
        fix: "use a whole number from 4 to 30; render leaves the value alone",
        ..rule(
            "SE107",
            "azure-idle-timeout-out-of-range",
            Level::Error,
            Needs::Nothing,
            Fixes::No,
        )
    },
    Rule {
        summary: "an Azure load balancer probes the router's HTTPS port with HTTP and expects 200",
        rationale: "Since Kubernetes 1.24 cloud-provider-azure derives the health probe from a \
            port's `appProtocol`: `http` or `https` gives an HTTP(S) probe of `/` that wants a 200. \
            spaces-router's port is `appProtocol: https` and answers unauthenticated requests \
            with 401, so every backend looks unhealthy. A per-port override \
            `service.beta.kubernetes.io/port_<port>_health-probe_protocol: \"tcp\"` keeps a TCP \
            probe. Not verified on AKS, hence a warning.",
        bad: "# with --cloud azure\nkind: Service\nmetadata:\n  name: spaces-router\nspec:\n  type: LoadBalancer\n  ports:\n    - name: https\n      appProtocol: https\n      port: 443\n",
        good: "# with --cloud azure\nkind: Service\nmetadata:\n  name: spaces-router\n  annotations:\n    service.beta.kubernetes.io/port_443_health-probe_protocol: \"tcp\"\nspec:\n  type: LoadBalancer\n  ports:\n    - name: https\n      appProtocol: https\n      port: 443\n",
        fix: "add the per-port TCP probe annotation (render: --annotation service.beta.kubernetes.io/port_<port>_health-probe_protocol=tcp)",
        ..rule(
            "SE108",
            "azure-https-health-probe",
            Level::Warn,
            Needs::Cloud,
            Fixes::No,
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
            "SE201",
            "ingress-without-passthrough",
            Level::Error,
            Needs::Nothing,
            Fixes::WithController,
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
            "SE202",
            "ingress-class-l7-only",
            Level::Error,
            Needs::Nothing,
            Fixes::No,
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
            "SE203",
            "ingress-l7-annotation",
            Level::Warn,
            Needs::Nothing,
            Fixes::Yes,
        )
    },
    Rule {
        summary: "a listener of the Spaces Gateway terminates TLS",
        rationale: "A Gateway API `HTTPS` listener always terminates TLS, and a `TLS` listener does \
            too unless `tls.mode` is `Passthrough` (the default mode is `Terminate`). Passthrough \
            needs a `TLS` listener in `Passthrough` mode and a TLSRoute to spaces-router.",
        bad: "kind: Gateway\nmetadata:\n  name: spaces\nspec:\n  listeners:\n    - name: tls\n      port: 443\n      protocol: HTTPS\n      tls:\n        certificateRefs:\n          - name: spaces-router-tls\n",
        good: "kind: Gateway\nmetadata:\n  name: spaces\nspec:\n  listeners:\n    - name: tls\n      port: 443\n      protocol: TLS\n      tls:\n        mode: Passthrough\n",
        fix: "use protocol TLS with tls.mode Passthrough; render switches the listener and removes certificateRefs",
        ..rule(
            "SE301",
            "gateway-listener-terminates-tls",
            Level::Error,
            Needs::Nothing,
            Fixes::Yes,
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
            "SE302",
            "http-route-to-router",
            Level::Error,
            Needs::Nothing,
            Fixes::No,
        )
    },
    Rule {
        summary: "the Spaces Gateway uses a GatewayClass that can only do Layer 7",
        rationale: "GKE's `gke-l7-*` classes, the AWS Load Balancer Controller's ALB gateway \
            (`gateway.k8s.aws/alb`) and Azure Application Gateway for Containers \
            (`azure-alb-external`) build HTTP load balancers: they offer no TLS passthrough \
            listener.",
        bad: "kind: Gateway\nmetadata:\n  name: spaces\nspec:\n  gatewayClassName: gke-l7-global-external-managed\n",
        good: "kind: Gateway\nmetadata:\n  name: spaces\nspec:\n  gatewayClassName: envoy-gateway\n",
        fix: "use a Gateway controller with TLS passthrough (Envoy Gateway, Istio, NGINX Gateway Fabric, kgateway, Contour) or LoadBalancer mode; render refuses this class",
        ..rule(
            "SE303",
            "gateway-class-l7-only",
            Level::Error,
            Needs::Nothing,
            Fixes::No,
        )
    },
    Rule {
        summary: "the Gateway's infrastructure annotations exceed the Gateway API limit",
        rationale: "Gateway API before v1.6 validates `spec.infrastructure.annotations` to at most \
            8 keys; the API server rejects a Gateway with more, and the whole release fails. With \
            `--cloud`, a Gateway that would pass the limit once the cloud's Layer-4 set is added \
            is reported too, since render refuses to add it.",
        bad: "kind: Gateway\nmetadata:\n  name: spaces\nspec:\n  infrastructure:\n    annotations:\n      a1: \"1\"\n      # ... nine keys in all\n",
        good: "kind: Gateway\nmetadata:\n  name: spaces\nspec:\n  infrastructure:\n    annotations:\n      service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n",
        fix: "move settings to the controller's own configuration (e.g. Envoy Gateway's EnvoyProxy); render refuses to grow the list past the limit",
        ..rule(
            "SE304",
            "gateway-infrastructure-annotations-over-limit",
            Level::Error,
            Needs::Nothing,
            Fixes::No,
        )
    },
    Rule {
        summary: "the Spaces Gateway's infrastructure annotations lack the cloud's Layer-4 set",
        rationale: "Gateway API copies `spec.infrastructure.annotations` onto the Service the \
            controller generates for the Gateway (standard since Gateway API v1.2). Without the \
            cloud's set that Service gets the cloud's default load balancer (a Classic ELB or an \
            internal NLB on AWS).",
        bad: "# with --cloud aws\nkind: Gateway\nmetadata:\n  name: spaces\nspec:\n  gatewayClassName: envoy-gateway\n",
        good: "# with --cloud aws\nkind: Gateway\nmetadata:\n  name: spaces\nspec:\n  gatewayClassName: envoy-gateway\n  infrastructure:\n    annotations:\n      service.beta.kubernetes.io/aws-load-balancer-type: \"external\"\n      service.beta.kubernetes.io/aws-load-balancer-scheme: \"internet-facing\"\n      service.beta.kubernetes.io/aws-load-balancer-nlb-target-type: \"ip\"\n",
        fix: "set the annotations on the Gateway (or the controller's Service); render adds them for --cloud",
        ..rule(
            "SE305",
            "gateway-missing-l4-annotations",
            Level::Warn,
            Needs::Cloud,
            Fixes::Yes,
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
            "SE401",
            "network-policy-controller-mismatch",
            Level::Error,
            Needs::Controller,
            Fixes::Yes,
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
            "SE402",
            "network-policy-empty-selector",
            Level::Error,
            Needs::Nothing,
            Fixes::No,
        )
    },
    Rule {
        summary: "with --mode load-balancer the router NetworkPolicy admits nothing from outside the cluster",
        rationale: "With a LoadBalancer Service, clients (or the load balancer's own addresses) \
            reach the router pods directly. A router policy whose rules only admit controller \
            pods and the connect agent drops that traffic: connections time out although the \
            load balancer is healthy. A rule with an `ipBlock` (or without `from`) is needed. \
            The rule runs with `--mode load-balancer` (given, or implied by `--values`): in \
            `auto` mode a LoadBalancer Service may sit beside the Ingress or Gateway that \
            really carries the traffic.",
        bad: "kind: NetworkPolicy\nspec:\n  podSelector:\n    matchLabels:\n      app: spaces-router\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n              app: agent\n",
        good: "kind: NetworkPolicy\nspec:\n  podSelector:\n    matchLabels:\n      app: spaces-router\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n              app: agent\n        - ipBlock:\n            cidr: 0.0.0.0/0\n",
        fix: "admit the client or VPC CIDRs with an ipBlock peer on the router port; render does not widen a NetworkPolicy",
        ..rule(
            "SE403",
            "network-policy-blocks-load-balancer",
            Level::Error,
            Needs::Nothing,
            Fixes::No,
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
            "SE404",
            "cilium-needs-cilium-policy",
            Level::Warn,
            Needs::Controller,
            Fixes::Yes,
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
            "SE501",
            "non-string-annotation-value",
            Level::Error,
            Needs::Nothing,
            Fixes::No,
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
            "SE502",
            "duplicate-key",
            Level::Warn,
            Needs::Nothing,
            Fixes::No,
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
            "SE503",
            "invalid-yaml",
            Level::Error,
            Needs::Nothing,
            Fixes::No,
        )
    },
];

/// The rule with this code (`SE101`) or name (`l7-annotation-on-service`),
/// case-insensitively for the code.
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
}

pub fn level_name(level: Level) -> &'static str {
    match level {
        Level::Off => "off",
        Level::Warn => "warn",
        Level::Error => "error",
    }
}

fn needs_text(needs: Needs) -> Option<&'static str> {
    match needs {
        Needs::Nothing => None,
        Needs::Cloud => Some("--cloud"),
        Needs::Controller => Some("--controller"),
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
    if let Some(option) = needs_text(rule.needs) {
        let _ = writeln!(out, "needs: {option} (skipped without it)");
    }
    let _ = writeln!(out, "\n{}.\n", capitalize(rule.summary));
    out.push_str(&wrap(rule.rationale, 88));
    out.push_str("\nBad:\n");
    out.push_str(&indent(rule.bad, "    "));
    out.push_str("\nGood:\n");
    out.push_str(&indent(rule.good, "    "));
    let _ = writeln!(out, "\nFix: {}.", rule.fix);
    out
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
    out.push_str("# Lint rules\n\n");
    out.push_str(
        "<!-- Generated from src/lint/rules.rs by `UPDATE_DOCS=1 cargo test --test check`; do not edit. -->\n\n",
    );
    out.push_str(
        "`spaces-expose check` reports these findings. Change a level with `--rule CODE=off|warn|error`\n\
         or `rules:` in the config file; `spaces-expose explain CODE` prints one page.\n\n",
    );
    out.push_str("| code | name | level | needs | finding |\n|---|---|---|---|---|\n");
    for r in RULES {
        let _ = writeln!(
            out,
            "| [{code}](#{anchor}) | `{name}` | {level} | {needs} | {summary} |",
            code = r.code,
            anchor = r.code.to_ascii_lowercase(),
            name = r.name,
            level = level_name(r.level),
            needs = needs_text(r.needs).map_or("–".to_string(), |n| format!("`{n}`")),
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
            needs_text(r.needs).map_or(String::new(), |n| format!(
                " · needs `{n}` (skipped without it)"
            ))
        );
        let _ = writeln!(out, "{}.\n", capitalize(r.summary));
        out.push_str(&wrap(r.rationale, 100));
        let _ = write!(out, "\nBad:\n\n```yaml\n{}```\n", r.bad);
        let _ = write!(out, "\nGood:\n\n```yaml\n{}```\n", r.good);
        let _ = writeln!(out, "\nFix: {}.", r.fix);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_well_formed() {
        for (i, a) in RULES.iter().enumerate() {
            assert!(a.code.len() == 5 && a.code.starts_with("SE"), "{}", a.code);
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
                assert_ne!(a.code, b.code);
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn find_by_code_or_name() {
        assert_eq!(
            find("se101").map(|r| r.name),
            Some("l7-annotation-on-service")
        );
        assert_eq!(find("duplicate-key").map(|r| r.code), Some("SE502"));
        assert!(find("SE999").is_none());
    }
}

//! Generates manifest streams shaped like what Helm renders for Spaces (and the charts
//! around it), from a stream of choices. The fuzz target feeds the choices from
//! libFuzzer's bytes, the property test from proptest (which then shrinks them), so both
//! explore the same space: router Services with L7 and foreign-cloud keys, Ingresses,
//! Gateways and routes, router NetworkPolicies, filler documents, in block or flow style,
//! Helm 3 or Helm 4 framing, LF or CRLF.

/// A source of choices: `pick(n)` returns a number below `n` (`n > 0`).
pub trait Choices {
    fn pick(&mut self, n: u32) -> u32;

    fn flip(&mut self) -> bool {
        self.pick(2) == 1
    }

    fn one_of<'x>(&mut self, options: &[&'x str]) -> &'x str {
        options[self.pick(options.len() as u32) as usize]
    }
}

/// Choices from a list, then zeros once it runs out (proptest shrinks the list).
pub struct FromList<'l> {
    pub list: &'l [u32],
    pub at: usize,
}

impl Choices for FromList<'_> {
    fn pick(&mut self, n: u32) -> u32 {
        let v = self.list.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        v % n
    }
}

/// Controllers that never add a document, and cilium, which adds one.
const CONTROLLERS: &[&str] = &[
    "traefik",
    "ingress-nginx",
    "envoy-gateway",
    "istio",
    "contour",
    "kong",
    "haproxy",
    "cilium",
];
const NAMESPACES: &[&str] = &["upbound-system", "default", "other", ""];
const NAMES: &[&str] = &["spaces-router", "spaces-router", "spaces", "other", "x-1"];
const ANNOTATION_KEYS: &[&str] = &[
    "service.beta.kubernetes.io/aws-load-balancer-backend-protocol",
    "service.beta.kubernetes.io/aws-load-balancer-ssl-cert",
    "service.beta.kubernetes.io/aws-load-balancer-type",
    "service.beta.kubernetes.io/aws-load-balancer-scheme",
    "service.beta.kubernetes.io/aws-load-balancer-proxy-protocol",
    "cloud.google.com/l4-rbs",
    "cloud.google.com/neg",
    "networking.gke.io/load-balancer-type",
    "service.beta.kubernetes.io/azure-load-balancer-internal",
    "nginx.ingress.kubernetes.io/backend-protocol",
    "nginx.ingress.kubernetes.io/ssl-passthrough",
    "nginx.ingress.kubernetes.io/proxy-body-size",
    "traefik.ingress.kubernetes.io/router.tls",
    "meta.helm.sh/release-name",
    "example.com/free",
    "service.beta.kubernetes.io/aws-load-balancer-target-group-attributes",
    "service.beta.kubernetes.io/do-loadbalancer-protocol",
    "metallb.io/address-pool",
];
const VALUES: &[&str] = &[
    "http",
    "\"true\"",
    "'enabled'",
    "external",
    "\"\"",
    "arn:aws:acm:x",
    "\"a \\\"quoted\\\" value\"",
    "'it''s'",
    "ip",
    "internet-facing",
    "\"30\"",
    "\"stickiness.enabled=true,proxy_protocol_v2.enabled=true\"",
    "proxy_protocol_v2.enabled=true",
];

/// The generated stream and the render options to use with it.
pub struct Generated {
    pub text: String,
    pub args: Vec<String>,
}

struct Style {
    helm4: bool,
    indent: usize,
}

pub fn generate(c: &mut impl Choices) -> Generated {
    let clouds: Vec<&str> = spaces_expose::presets::Cloud::ALL
        .iter()
        .map(|c| c.name())
        .collect();
    let mut args = vec!["--cloud".to_string(), c.one_of(&clouds).to_string()];
    if c.pick(4) > 0 {
        args.push("--controller".to_string());
        args.push(c.one_of(CONTROLLERS).to_string());
    }
    if c.pick(4) == 0 {
        args.push("--mode".to_string());
        args.push(
            c.one_of(&["auto", "load-balancer", "ingress", "gateway"])
                .to_string(),
        );
    }
    let style = Style {
        helm4: c.flip(),
        indent: if c.pick(3) == 0 { 4 } else { 2 },
    };
    let crlf = c.pick(5) == 0;
    let count = 1 + c.pick(6) as usize;
    let mut text = String::new();
    for i in 0..count {
        let body = match c.pick(9) {
            0 | 1 => service(c, &style),
            2 => network_policy(c, &style),
            3 => ingress(c, &style),
            4 => gateway(c, &style),
            5 => route(c, &style),
            6 => config_map(c, &style),
            7 => "just a scalar document\n".to_string(),
            _ => deployment(c, &style),
        };
        if style.helm4 {
            if i > 0 {
                text.push_str("---\n");
            }
        } else {
            text.push_str(&format!("---\n# Source: spaces/templates/doc-{i}.yaml\n"));
        }
        text.push_str(&body);
    }
    if crlf {
        text = text.replace('\n', "\r\n");
    }
    Generated { text, args }
}

fn pad(style: &Style, level: usize) -> String {
    " ".repeat(style.indent * level)
}

fn metadata(c: &mut impl Choices, style: &Style, name: &str, file: &str) -> String {
    let p1 = pad(style, 1);
    let p2 = pad(style, 2);
    let mut out = format!("metadata:\n{p1}name: {name}\n");
    let ns = c.one_of(NAMESPACES);
    if !ns.is_empty() {
        out.push_str(&format!("{p1}namespace: {ns}\n"));
    }
    let n = c.pick(5);
    let flow = c.pick(4) == 0;
    let mut pairs: Vec<(String, String)> = (0..n)
        .map(|_| {
            (
                c.one_of(ANNOTATION_KEYS).to_string(),
                c.one_of(VALUES).to_string(),
            )
        })
        .collect();
    if style.helm4 {
        pairs.push((
            "postrenderer.helm.sh/postrender-filename".to_string(),
            format!("spaces/templates/{file}.yaml"),
        ));
    }
    match (pairs.is_empty(), flow) {
        (true, _) => {
            if c.flip() {
                out.push_str(&format!("{p1}annotations: {{}}\n"));
            }
        }
        (false, true) => {
            let body: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            out.push_str(&format!("{p1}annotations: {{{}}}\n", body.join(", ")));
        }
        (false, false) => {
            out.push_str(&format!("{p1}annotations:\n"));
            for (k, v) in &pairs {
                out.push_str(&format!("{p2}{k}: {v}\n"));
            }
        }
    }
    if c.flip() {
        out.push_str(&format!(
            "{p1}labels:\n{p2}app.kubernetes.io/name: {name}\n"
        ));
    }
    out
}

fn service(c: &mut impl Choices, style: &Style) -> String {
    let p1 = pad(style, 1);
    let p2 = pad(style, 2);
    let name = c.one_of(NAMES);
    let mut out = format!(
        "apiVersion: v1\nkind: Service\n{}",
        metadata(c, style, name, "router/service")
    );
    out.push_str("spec:\n");
    match c.pick(4) {
        0 => {}
        1 => out.push_str(&format!("{p1}type: ClusterIP\n")),
        _ => out.push_str(&format!("{p1}type: LoadBalancer\n")),
    }
    if c.flip() {
        out.push_str(&format!("{p1}selector: {{app: {name}}}\n"));
    } else {
        out.push_str(&format!("{p1}selector:\n{p2}app: {name}\n"));
    }
    out.push_str(&format!(
        "{p1}ports:\n{p1}- name: https\n{p1}  port: 443\n{p1}  targetPort: 8443\n"
    ));
    out
}

fn network_policy(c: &mut impl Choices, style: &Style) -> String {
    let p1 = pad(style, 1);
    let p2 = pad(style, 2);
    let p3 = pad(style, 3);
    let mut out = format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n{}",
        metadata(c, style, "spaces-router-ingress", "router/networkpolicy")
    );
    let app = c.one_of(&["spaces-router", "other"]);
    out.push_str(&format!(
        "spec:\n{p1}podSelector:\n{p2}matchLabels:\n{p3}app: {app}\n{p1}policyTypes:\n{p1}- Ingress\n{p1}ingress:\n"
    ));
    for _ in 0..1 + c.pick(2) {
        out.push_str(&format!("{p1}- from:\n"));
        let peers = c.pick(3);
        for _ in 0..peers {
            match c.pick(3) {
                0 => out.push_str(&format!(
                    "{p1}  - namespaceSelector:\n{p1}      matchLabels:\n{p1}        kubernetes.io/metadata.name: ingress-nginx\n{p1}    podSelector:\n{p1}      matchLabels:\n{p1}        app.kubernetes.io/name: ingress-nginx\n"
                )),
                1 => out.push_str(&format!(
                    "{p1}  - podSelector:\n{p1}      matchLabels:\n{p1}        app: agent\n"
                )),
                _ => out.push_str(&format!(
                    "{p1}  - {{namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: traefik}}}}}}\n"
                )),
            }
        }
        if peers == 0 {
            out.push_str(&format!("{p1}  - ipBlock:\n{p1}      cidr: 10.0.0.0/8\n"));
        }
        out.push_str(&format!("{p1}  ports:\n{p1}  - port: 8443\n"));
    }
    out
}

fn ingress(c: &mut impl Choices, style: &Style) -> String {
    let p1 = pad(style, 1);
    let mut out = format!(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\n{}",
        metadata(c, style, "spaces", "ingress")
    );
    out.push_str("spec:\n");
    let class = c.one_of(&["", "nginx", "traefik", "alb", "gce"]);
    if !class.is_empty() {
        out.push_str(&format!("{p1}ingressClassName: {class}\n"));
    }
    let backend = c.one_of(NAMES);
    out.push_str(&format!(
        "{p1}rules:\n{p1}- host: proxy.example.com\n{p1}  http:\n{p1}    paths:\n{p1}    - path: /\n{p1}      pathType: Prefix\n{p1}      backend:\n{p1}        service:\n{p1}          name: {backend}\n{p1}          port:\n{p1}            number: 8443\n"
    ));
    out
}

fn gateway(c: &mut impl Choices, style: &Style) -> String {
    let p1 = pad(style, 1);
    let name = c.one_of(&["spaces", "other"]);
    let mut out = format!(
        "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n{}",
        metadata(c, style, name, "gateway")
    );
    out.push_str(&format!(
        "spec:\n{p1}gatewayClassName: {}\n{p1}listeners:\n",
        c.one_of(&["envoy", "gke-l7-global-external-managed", "traefik"])
    ));
    match c.pick(3) {
        0 => out.push_str(&format!(
            "{p1}- name: https\n{p1}  protocol: HTTPS\n{p1}  port: 443\n{p1}  tls:\n{p1}    mode: Terminate\n{p1}    certificateRefs:\n{p1}    - name: cert\n"
        )),
        1 => out.push_str(&format!(
            "{p1}- name: tls\n{p1}  protocol: TLS\n{p1}  port: 443\n{p1}  tls:\n{p1}    mode: Passthrough\n"
        )),
        _ => out.push_str(&format!(
            "{p1}- {{name: tls, protocol: TLS, port: 443, tls: {{mode: Terminate}}}}\n"
        )),
    }
    if c.flip() {
        out.push_str(&format!(
            "{p1}infrastructure:\n{p1}  annotations:\n{p1}    example.com/a: \"b\"\n"
        ));
    }
    out
}

fn route(c: &mut impl Choices, style: &Style) -> String {
    let p1 = pad(style, 1);
    let kind = c.one_of(&["HTTPRoute", "TLSRoute"]);
    let version = if kind == "TLSRoute" { "v1alpha2" } else { "v1" };
    let mut out = format!(
        "apiVersion: gateway.networking.k8s.io/{version}\nkind: {kind}\n{}",
        metadata(c, style, "spaces-router", "route")
    );
    out.push_str(&format!(
        "spec:\n{p1}parentRefs:\n{p1}- name: spaces\n{p1}rules:\n{p1}- backendRefs:\n{p1}  - name: {}\n{p1}    port: 8443\n",
        c.one_of(NAMES)
    ));
    out
}

fn config_map(c: &mut impl Choices, style: &Style) -> String {
    let p1 = pad(style, 1);
    let p2 = pad(style, 2);
    let mut out = format!(
        "apiVersion: v1\nkind: ConfigMap\n{}",
        metadata(c, style, "cfg", "configmap")
    );
    out.push_str(&format!(
        "data:\n{p1}a: \"1\"\n{p1}config.yaml: |\n{p2}---\n{p2}kind: Service\n{p2}metadata:\n{p2}  name: spaces-router\n"
    ));
    if c.flip() {
        out.push_str(&format!("{p1}dup: x\n{p1}dup: y\n"));
    }
    out
}

fn deployment(c: &mut impl Choices, style: &Style) -> String {
    let p1 = pad(style, 1);
    let p2 = pad(style, 2);
    let p3 = pad(style, 3);
    let mut out = format!(
        "apiVersion: apps/v1\nkind: Deployment\n{}",
        metadata(c, style, "spaces-router", "router/deployment")
    );
    out.push_str(&format!(
        "spec:\n{p1}template:\n{p2}metadata:\n{p3}labels: {{app: spaces-router}}\n{p2}spec:\n{p3}containers:\n{p3}- name: router\n{p3}  image: \"x:1\"\n"
    ));
    out
}

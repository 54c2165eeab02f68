{{/* Labels shared by every object of the chart. */}}
{{- define "spaces.labels" -}}
app.kubernetes.io/name: spaces
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The router pods' labels; the Service selects on exactly these. */}}
{{- define "spaces.router.selectorLabels" -}}
app: spaces-router
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "spaces.router.port" -}}8443{{- end -}}

{{- define "spaces.ingress.host" -}}
{{- .Values.ingress.host | default .Values.externalTLS.host -}}
{{- end -}}

{{- define "spaces.gateway.host" -}}
{{- .Values.gatewayAPI.host | default .Values.externalTLS.host -}}
{{- end -}}

{{/* The Gateway's namespace: gatewayAPI.gateway.namespace (Spaces 1.16), else the release's. */}}
{{- define "spaces.gateway.namespace" -}}
{{- .Values.gatewayAPI.gateway.namespace | default .Release.Namespace -}}
{{- end -}}

{{/*
parentRefs of the routes: the chart's Gateway (in gatewayAPI.gateway.namespace when set), or the
fixture's ListenerSet when one is provisioned. A TLSRoute names its TLS listener; an HTTPRoute
cannot attach to that listener, so it names none.
*/}}
{{- define "spaces.route.parentRefs" -}}
parentRefs:
  {{- if .Values.gatewayAPI.listenerSet.provision }}
  - group: gateway.networking.k8s.io
    kind: ListenerSet
    name: {{ .Values.gatewayAPI.listenerSet.name }}
  {{- else }}
  - group: gateway.networking.k8s.io
    kind: Gateway
    name: {{ .Values.gatewayAPI.gateway.name }}
    {{- with .Values.gatewayAPI.gateway.namespace }}
    namespace: {{ . }}
    {{- end }}
  {{- end }}
    {{- if not .Values.gatewayAPI.spacesRouterRoute.insecure }}
    sectionName: tls
    {{- end }}
{{- end -}}

{{/*
One NetworkPolicy peer admitting a controller: namespace AND pod labels in the same peer.
Either selector is left out when its labels are empty (an empty selector would admit every
namespace or pod); no peer at all when both are empty.
Call with (dict "pod" <labels> "namespace" <labels>).
*/}}
{{- define "spaces.router.controllerPeer" -}}
{{- $peer := dict -}}
{{- with .namespace }}{{ $_ := set $peer "namespaceSelector" (dict "matchLabels" .) }}{{ end -}}
{{- with .pod }}{{ $_ := set $peer "podSelector" (dict "matchLabels" .) }}{{ end -}}
{{- if $peer -}}
- {{ toYaml $peer | nindent 2 | trim }}
{{- end }}
{{- end -}}

{{- define "imagepin.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "imagepin.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "imagepin.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "imagepin.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "imagepin.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "imagepin.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "imagepin.selectorLabels" -}}
app.kubernetes.io/name: {{ include "imagepin.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "imagepin.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "imagepin.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Names shared by the manager's flags and the objects it manages. */}}
{{- define "imagepin.webhookService" -}}{{ include "imagepin.fullname" . }}-webhook{{- end -}}
{{- define "imagepin.webhookConfig" -}}{{ include "imagepin.fullname" . }}{{- end -}}
{{- define "imagepin.certSecret" -}}
{{- if eq .Values.certs.mode "external" -}}
{{- required "certs.external.secretName is required with certs.mode=external" .Values.certs.external.secretName -}}
{{- else -}}
{{- include "imagepin.fullname" . }}-webhook-tls
{{- end -}}
{{- end -}}
{{- define "imagepin.issuerName" -}}
{{- if .Values.certs.certManager.createIssuer -}}
{{- include "imagepin.fullname" . }}-selfsigned
{{- else -}}
{{- required "certs.certManager.issuerRef.name is required when createIssuer is false" .Values.certs.certManager.issuerRef.name -}}
{{- end -}}
{{- end -}}

{{- define "imagepin.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}
{{- end -}}

{{- define "imagepin.validateValues" -}}
{{- if not (has .Values.certs.mode (list "self-signed" "cert-manager" "external")) -}}
{{- fail (printf "certs.mode %q: must be self-signed, cert-manager or external" .Values.certs.mode) -}}
{{- end -}}
{{- range $mode, $policy := .Values.webhook.failurePolicy -}}
{{- if not (has $policy (list "Ignore" "Fail")) -}}
{{- fail (printf "webhook.failurePolicy.%s %q: must be Ignore or Fail" $mode $policy) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* clientConfig of a webhook: the Service, or webhook.url. */}}
{{- define "imagepin.clientConfig" -}}
{{- $root := index . 0 -}}{{- $path := index . 1 -}}
{{- if $root.Values.webhook.url }}
url: {{ printf "%s%s" (trimSuffix "/" $root.Values.webhook.url) $path | quote }}
{{- else }}
service:
  name: {{ include "imagepin.webhookService" $root }}
  namespace: {{ $root.Release.Namespace }}
  path: {{ $path | quote }}
  port: 443
{{- end }}
{{- if and $root.Values.webhook.caBundle (ne $root.Values.certs.mode "self-signed") }}
caBundle: {{ $root.Values.webhook.caBundle | quote }}
{{- end }}
{{- end -}}

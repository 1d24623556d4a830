{{- define "type_members" -}}
{{- if eq .Name "metadata" -}}
Standard object metadata.
{{- else -}}
{{ markdownRenderFieldDoc .Doc }}
{{- end -}}
{{- end -}}

{{- /* validation renders the validation markers of a type or field,
       leaving out Optional (most fields are) and writing Required as a word. */ -}}
{{- define "validation" -}}
{{- $first := true -}}
{{- range . -}}
{{- if not (hasPrefix "Optional" .) -}}
{{- if not $first }}, {{ end -}}
{{- $first = false -}}
{{- if hasPrefix "Required" . }}required{{ else }}{{ markdownRenderFieldDoc . }}{{ end -}}
{{- end -}}
{{- end -}}
{{- end -}}

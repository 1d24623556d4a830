{{/* Names of the registry notification receiver's objects. */}}
{{- define "imagepin.receiverService" -}}{{ include "imagepin.fullname" . }}-receiver{{- end -}}
{{- define "imagepin.receiverSecret" -}}
{{- default (printf "%s-receiver" (include "imagepin.fullname" .)) .Values.receiver.existingSecret -}}
{{- end -}}

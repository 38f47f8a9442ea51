{{/* Name prefix of every object: the release name, with "-qms" unless it already says qms. */}}
{{- define "qms.fullname" -}}
{{- if contains "qms" .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-qms" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Object name of one service: (list $ "complaints") -> qms-complaints */}}
{{- define "qms.component" -}}
{{- printf "%s-%s" (include "qms.fullname" (index . 0)) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "qms.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: qms
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: qms-suite
{{- end -}}

{{/* Selector labels of one service: (list $ "complaints") */}}
{{- define "qms.selectorLabels" -}}
app.kubernetes.io/name: qms
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "qms.componentLabels" -}}
{{ include "qms.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Image of one service: (list $ "complaints" $svc) */}}
{{- define "qms.image" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $svc := index . 2 -}}
{{- $repository := (($svc.image | default dict).repository) | default (printf "qms/%s" $name) -}}
{{- $tag := (($svc.image | default dict).tag) | default $root.Values.image.tag | default $root.Chart.AppVersion -}}
{{- with $root.Values.image.registry -}}{{ trimSuffix "/" . }}/{{- end -}}{{ $repository }}:{{ $tag }}
{{- end -}}

{{/* The database flags of one service (migrations and serving): (list $ $svc) */}}
{{- define "qms.databaseArgs" -}}
{{- $root := index . 0 -}}
{{- $db := (index . 1).database -}}
- --db_host={{ $db.host | default $root.Values.database.host }}
- --db_port={{ $db.port | default $root.Values.database.port }}
- --db_name={{ $db.name }}
- --db_user={{ $db.user }}
- --db_password_file=/var/run/qms/db/password
{{- end -}}

{{/* The ConfigMap's files: the plants; each enabled service's own timer policies
     (services/<svc>/policies.json, linked in files/policies/) as policies-<svc>.json; and the
     release's overrides (`policies:`) as policies.json. */}}
{{- define "qms.configData" -}}
plants.json: |
  {{- dict "plants" .Values.plants | toJson | nindent 2 }}
{{- range $name, $svc := .Values.services }}
{{- $own := $.Files.Get (printf "files/policies/%s.json" $name) }}
{{- if and $svc.enabled $own }}
policies-{{ $name }}.json: |
  {{- $own | trim | nindent 2 }}
{{- end }}
{{- end }}
{{- if .Values.policies }}
policies.json: |
  {{- .Values.policies | toJson | nindent 2 }}
{{- end }}
{{- end -}}

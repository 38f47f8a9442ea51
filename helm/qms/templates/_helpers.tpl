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

{{/* (list $over $base): $base with $over's keys over it, maps merged key by key, anything else
     (lists too) replaced; JSON. Unlike sprig's merge, false, 0 and "" in $over win. */}}
{{- define "qms.deepMerge" -}}
{{- $over := index . 0 -}}
{{- $out := deepCopy (index . 1) -}}
{{- range $key, $value := $over }}
{{- if and (kindIs "map" $value) (kindIs "map" (get $out $key)) }}
{{- $_ := set $out $key (include "qms.deepMerge" (list $value (get $out $key)) | fromJson) }}
{{- else }}
{{- $_ := set $out $key $value }}
{{- end }}
{{- end }}
{{- toJson $out -}}
{{- end -}}

{{/* The services of this release, JSON name -> block: every line of services/registry.txt
     (files/services links services/), its block built from serviceDefaults, then what the line
     gives (database qms_<name>, user <name>, Secret qms-<name>-db; calls from flag=callee), then
     its block under `services:` (only what differs). A block for a service the registry does not
     list fails the render. */}}
{{- define "qms.services" -}}
{{- $out := dict -}}
{{- range $line := .Files.Lines "files/services/registry.txt" }}
{{- $line = regexReplaceAll "#.*" $line "" | trim }}
{{- if $line }}
{{- $fields := regexSplit "\\s+" $line -1 }}
{{- $name := index $fields 0 }}
{{- $calls := list }}
{{- range $call := slice $fields 3 }}
{{- $calls = append $calls (dict "flag" (first (splitList "=" $call)) "service" (last (splitList "=" $call))) }}
{{- end }}
{{- $database := dict "name" (printf "qms_%s" $name) "user" $name "existingSecret" (printf "qms-%s-db" $name) }}
{{- $base := include "qms.deepMerge" (list (dict "calls" $calls "database" $database) $.Values.serviceDefaults) | fromJson }}
{{- $block := get ($.Values.services | default dict) $name | default dict }}
{{- $_ := set $out $name (include "qms.deepMerge" (list $block $base) | fromJson) }}
{{- end }}
{{- end }}
{{- range $name, $_ := .Values.services }}
{{- if not (hasKey $out $name) }}
{{- fail (printf "services.%s: services/registry.txt lists no such service" $name) }}
{{- end }}
{{- end }}
{{- toJson $out -}}
{{- end -}}

{{/* The ConfigMap's files: the plants; each enabled service's own timer policies
     (services/<svc>/policies.json) as policies-<svc>.json; and the release's overrides
     (`policies:`) as policies.json. */}}
{{- define "qms.configData" -}}
plants.json: |
  {{- dict "plants" .Values.plants | toJson | nindent 2 }}
{{- range $name, $svc := include "qms.services" . | fromJson }}
{{- $own := $.Files.Get (printf "files/services/%s/policies.json" $name) }}
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

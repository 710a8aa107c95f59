{{/* The release's full name: the release name alone when it already names the chart. */}}
{{- define "pm.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "pm.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "pm.labels" -}}
{{ include "pm.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "pm.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "pm.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false (an existing ServiceAccount)" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "pm.image" -}}
{{- $repository := required "image.repository is required: the image built from the repo's Dockerfile" .Values.image.repository -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The Secret every pod reads; rendering stops here when it is not named. */}}
{{- define "pm.existingSecret" -}}
{{- required "existingSecret is required: the name of an existing Secret holding PM_SERVICE_TOKEN (and DATABASE_URL, REDIS_URL unless postgresql.existingSecret / redis.existingSecret name others); this chart creates no Secret" .Values.existingSecret -}}
{{- end -}}

{{/* checkov's accepted findings of a pod-owning object, each with its reason (checkov reads these annotations). */}}
{{- define "pm.checkovSkips" -}}
checkov.io/skip1: CKV_K8S_35=Aegra reads DATABASE_URL and REDIS_URL and our code the PM_ variables from the environment only; they come from an existing Secret and never from this chart
{{- if not .Values.image.digest }}
checkov.io/skip2: CKV_K8S_43=the image is the one the operator builds and pushes; set image.digest to pin it by digest
{{- end }}
{{- end -}}

{{/* The environment of the server and of the migration: the URLs from their Secrets, then the rest of the Secret. */}}
{{- define "pm.secretEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ default (include "pm.existingSecret" .) .Values.postgresql.existingSecret }}
      key: {{ required "postgresql.urlKey is required" .Values.postgresql.urlKey }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ default (include "pm.existingSecret" .) .Values.redis.existingSecret }}
      key: {{ required "redis.urlKey is required" .Values.redis.urlKey }}
- name: PM_REDIS_URL  # our code's Redis is Aegra's
  valueFrom:
    secretKeyRef:
      name: {{ default (include "pm.existingSecret" .) .Values.redis.existingSecret }}
      key: {{ .Values.redis.urlKey }}
{{- end -}}

{{- define "pm.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001  # the image's user
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "pm.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
{{- end -}}

{{/* The only writable paths: scratch and PM_HOME (local files of a run; state is in PostgreSQL). */}}
{{- define "pm.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: home
  mountPath: /data
{{- end -}}

{{- define "pm.volumes" -}}
- name: tmp
  emptyDir: {}
- name: home
  emptyDir: {}
{{- end -}}

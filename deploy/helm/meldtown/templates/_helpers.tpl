{{/* Names and labels. */}}
{{- define "meldtown.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "meldtown.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "meldtown.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "meldtown.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* A component's object name: (dict "root" $ "name" "block-store-service") */}}
{{- define "meldtown.componentName" -}}
{{- printf "%s-%s" (include "meldtown.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "meldtown.selectorLabels" -}}
app.kubernetes.io/name: {{ include "meldtown.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "meldtown.labels" -}}
{{ include "meldtown.selectorLabels" . }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: meldtown
{{- end -}}

{{/* Labels of the release's objects that belong to no component (ConfigMap, Secrets, policies). */}}
{{- define "meldtown.commonLabels" -}}
{{ include "meldtown.labels" (dict "root" . "name" "meldtown") }}
{{- end -}}

{{/* An image reference: (dict "root" $ "image" .Values.x.image) */}}
{{- define "meldtown.image" -}}
{{- $tag := .image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- if .root.Values.image.registry -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* Endpoints. */}}
{{- define "meldtown.kafkaBootstrap" -}}
{{- if .Values.kafka.dev.enabled -}}
{{- printf "%s:9092" (include "meldtown.componentName" (dict "root" . "name" "kafka")) -}}
{{- else if .Values.kafka.strimzi.enabled -}}
{{- printf "%s-kafka-bootstrap:9092" .Values.kafka.strimzi.clusterName -}}
{{- else -}}
{{- .Values.kafka.bootstrap -}}
{{- end -}}
{{- end -}}

{{- define "meldtown.s3Endpoint" -}}
{{- if .Values.s3proxy.enabled -}}
{{- printf "http://%s:9000" (include "meldtown.componentName" (dict "root" . "name" "s3proxy")) -}}
{{- else -}}
{{- .Values.s3.endpoint -}}
{{- end -}}
{{- end -}}

{{/* Secret names: the operator's existing Secret, or the one the chart creates. */}}
{{- define "meldtown.jwtSecret" -}}
{{- .Values.jwt.existingSecret | default (printf "%s-jwt" (include "meldtown.fullname" .)) -}}
{{- end -}}
{{- define "meldtown.s3Secret" -}}
{{- .Values.s3.existingSecret | default (printf "%s-s3" (include "meldtown.fullname" .)) -}}
{{- end -}}
{{- define "meldtown.syncSecret" -}}
{{- .Values.sync.existingSecret | default (printf "%s-sync" (include "meldtown.fullname" .)) -}}
{{- end -}}
{{- define "meldtown.doltSecret" -}}
{{- .Values.doltHub.existingSecret | default (printf "%s-dolt" (include "meldtown.fullname" .)) -}}
{{- end -}}
{{- define "meldtown.testTokenSecret" -}}
{{- .Values.tests.existingTokenSecret | default (printf "%s-test-token" (include "meldtown.fullname" .)) -}}
{{- end -}}

{{/* Every required setting, each failing with the value to set. Included by the ConfigMap. */}}
{{- define "meldtown.validate" -}}
{{- $v := .Values -}}
{{- if not $v.jwt.issuer -}}
{{- fail "jwt.issuer is required: the `iss` claim of the deployment's tokens (e.g. --set jwt.issuer=https://auth.example.com)" -}}
{{- end -}}
{{- if and (not $v.jwt.publicKey) (not $v.jwt.existingSecret) -}}
{{- fail "jwt.publicKey or jwt.existingSecret is required: the PEM key that verifies bearer tokens (e.g. --set-file jwt.publicKey=public.pem)" -}}
{{- end -}}
{{- if and (not $v.s3proxy.enabled) (not $v.s3.endpoint) -}}
{{- fail "s3.endpoint is required (or set s3proxy.enabled=true for an in-cluster development store)" -}}
{{- end -}}
{{- if and (not $v.s3.existingSecret) (or (not $v.s3.accessKey) (not $v.s3.secretKey)) -}}
{{- fail "s3.accessKey and s3.secretKey (or s3.existingSecret with keys S3_ACCESS_KEY and S3_SECRET_KEY) are required" -}}
{{- end -}}
{{- if and $v.kafka.dev.enabled $v.kafka.strimzi.enabled -}}
{{- fail "kafka.dev.enabled and kafka.strimzi.enabled are exclusive: choose one Kafka" -}}
{{- end -}}
{{- if and (not $v.kafka.dev.enabled) (not $v.kafka.strimzi.enabled) (not $v.kafka.bootstrap) -}}
{{- fail "kafka.bootstrap is required (or set kafka.strimzi.enabled=true, or kafka.dev.enabled=true for development)" -}}
{{- end -}}
{{- if and (not $v.sync.secretKey) (not $v.sync.existingSecret) -}}
{{- fail "sync.secretKey or sync.existingSecret is required: the passphrase that encrypts town SQL passwords at rest" -}}
{{- end -}}
{{- if and $v.doltHub.enabled (not $v.doltHub.password) (not $v.doltHub.existingSecret) -}}
{{- fail "doltHub.password or doltHub.existingSecret is required when doltHub.enabled=true" -}}
{{- end -}}
{{- if and $v.mergeService.keda.enabled (gt (int $v.mergeService.keda.maxReplicaCount) (int $v.kafka.topics.partitions)) -}}
{{- fail (printf "mergeService.keda.maxReplicaCount (%d) exceeds kafka.topics.partitions (%d): a merge-service replica beyond the partition count owns no partition; lower the maximum or raise the partitions" (int $v.mergeService.keda.maxReplicaCount) (int $v.kafka.topics.partitions)) -}}
{{- end -}}
{{- if and $v.mergeService.keda.enabled (gt (int $v.mergeService.keda.minReplicaCount) (int $v.mergeService.keda.maxReplicaCount)) -}}
{{- fail "mergeService.keda.minReplicaCount exceeds mergeService.keda.maxReplicaCount" -}}
{{- end -}}
{{- if and (not $v.mergeService.keda.enabled) (gt (int $v.mergeService.replicaCount) (int $v.kafka.topics.partitions)) -}}
{{- fail (printf "mergeService.replicaCount (%d) exceeds kafka.topics.partitions (%d): the extra replicas would own no partition" (int $v.mergeService.replicaCount) (int $v.kafka.topics.partitions)) -}}
{{- end -}}
{{- if and $v.tests.enabled (not $v.tests.token) (not $v.tests.existingTokenSecret) -}}
{{- fail "tests.token or tests.existingTokenSecret is required when tests.enabled=true: a writer token for tests.tenant signed by the deployment's key (or set tests.enabled=false)" -}}
{{- end -}}
{{- end -}}

{{/* Checksum of everything the services read from the chart's ConfigMap and Secrets: a change rolls the pods. */}}
{{- define "meldtown.configChecksum" -}}
{{- $parts := list (include (print .Template.BasePath "/configmap.yaml") .) (include (print .Template.BasePath "/secrets.yaml") .) .Values.jwt.existingSecret .Values.s3.existingSecret .Values.sync.existingSecret .Values.kafka.existingSecret -}}
{{- join "\n---\n" $parts | sha256sum -}}
{{- end -}}

{{/* The restricted security context of every container. */}}
{{- define "meldtown.containerSecurityContext" -}}
{{- toYaml .Values.securityContext -}}
{{- end -}}
{{- define "meldtown.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext -}}
{{- end -}}

{{/* Topology spread of a component: its own constraints, or defaultSpread applied to its pods. */}}
{{- define "meldtown.spread" -}}
{{- $c := .component -}}
{{- if $c.topologySpreadConstraints -}}
{{- toYaml $c.topologySpreadConstraints -}}
{{- else -}}
{{- range .root.Values.defaultSpread }}
- topologyKey: {{ .topologyKey }}
  maxSkew: {{ .maxSkew }}
  whenUnsatisfiable: {{ .whenUnsatisfiable }}
  labelSelector:
    matchLabels:
      {{- include "meldtown.selectorLabels" (dict "root" $.root "name" $c.name) | nindent 6 }}
{{- end -}}
{{- end -}}
{{- end -}}

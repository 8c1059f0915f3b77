#!/usr/bin/env bash
# The node's Argo check (make node-check; after node-up and argo-up): submits check-workflow.yaml
# (two steps, an output parameter passed from the first to the second, in the local busybox image)
# in $ARGO_NAMESPACE (default kubeflow) under a service account bound to Argo's `executor` Role,
# and waits for it to succeed (at most $CHECK_TIMEOUT s, default 180). Prints the workflow's pods
# and its time; on failure, the workflow's message, its pods' state and the controller's last lines.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
ns=${ARGO_NAMESPACE:-kubeflow}
limit=${CHECK_TIMEOUT:-180}
kubectl=("$KUBE_BIN/kubectl" --kubeconfig "$LOCALKFP_STATE/kubeconfig" -n "$ns")

"${kubectl[@]}" create serviceaccount localkfp-check --dry-run=client -o yaml | "${kubectl[@]}" apply -f - > /dev/null
"${kubectl[@]}" create rolebinding localkfp-check-executor --role=executor \
  --serviceaccount="$ns:localkfp-check" --dry-run=client -o yaml | "${kubectl[@]}" apply -f - > /dev/null
t0=$SECONDS
wf=$("${kubectl[@]}" create -f "$LOCALKFP_DIR/argo/check-workflow.yaml" -o name)
log "submitted $wf"
phase=
while [ $((SECONDS - t0)) -lt "$limit" ]; do
  phase=$("${kubectl[@]}" get "$wf" -o jsonpath='{.status.phase}')
  case $phase in Succeeded|Failed|Error) break ;; esac
  sleep 2
done
"${kubectl[@]}" get pods -l "workflows.argoproj.io/workflow=${wf#*/}" -o wide
if [ "$phase" != Succeeded ]; then
  echo "localkfp: $wf is '${phase:-Pending}' after $((SECONDS - t0)) s: $("${kubectl[@]}" get "$wf" -o jsonpath='{.status.message}')" >&2
  "${kubectl[@]}" get "$wf" -o jsonpath='{range .status.nodes.*}{.displayName}: {.phase} {.message}{"\n"}{end}' >&2
  "${kubectl[@]}" describe pods -l "workflows.argoproj.io/workflow=${wf#*/}" | tail -n 30 >&2
  echo "last lines of $LOCALKFP_STATE/logs/workflow-controller.log:" >&2
  tail -n 20 "$LOCALKFP_STATE/logs/workflow-controller.log" >&2
  exit 1
fi
out=$("${kubectl[@]}" get "$wf" -o jsonpath='{.status.nodes.*.outputs.parameters[0].value}')
log "$wf Succeeded in $((SECONDS - t0)) s (output parameter: $out)"

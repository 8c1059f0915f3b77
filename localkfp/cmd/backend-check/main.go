// Command backend-check does what KFP 2.17's API server does when a run is created, without a
// cluster, then lints the result as Argo's offline `argo lint` does.
//
// KFP: resource_manager.go CreateRun (~636-693): template.New over the whole manifest (every
// YAML document, so the platform spec is kept: v2_template.go ~195-265), RunWorkflow with the
// run's id and parameters (v2_template.go ~327-422), executionSpec.Validate(false, false)
// (resource_manager.go ~673), the namespace set (~693). Argo v4.0.5: common.ParseObjects
// (workflow/common/parse.go ~27, strict as `argo lint` defaults) and ValidateWorkflow with
// Lint (pkg/apiclient/offline-workflow-service-client.go ~74).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	wfv1 "github.com/argoproj/argo-workflows/v4/pkg/apis/workflow/v1alpha1"
	argocommon "github.com/argoproj/argo-workflows/v4/workflow/common"
	"github.com/argoproj/argo-workflows/v4/workflow/validate"
	"github.com/kubeflow/pipelines/backend/src/apiserver/config/proxy"
	"github.com/kubeflow/pipelines/backend/src/apiserver/model"
	"github.com/kubeflow/pipelines/backend/src/apiserver/template"
	"github.com/kubeflow/pipelines/backend/src/common/util"
	"sigs.k8s.io/yaml"
)

func main() {
	ir := flag.String("ir", "", "compiled pipeline YAML (KFP IR, every document)")
	out := flag.String("out", "", "where to write the Argo Workflow YAML")
	runID := flag.String("run-id", "00000000-0000-4000-8000-000000000000", "the run's id (KFP makes a random UUID)")
	runAt := flag.Int64("run-at", 0, "the run's creation time, Unix seconds (0: now)")
	params := flag.String("params", "{}", "runtime parameters as a JSON object")
	pipelineRoot := flag.String("pipeline-root", "", "the run's pipeline root (empty: the install's default)")
	namespace := flag.String("namespace", "kubeflow", "namespace of the run (KFP: POD_NAMESPACE)")
	name := flag.String("name", "", "the run's display name (default: the IR's file name)")
	flag.Parse()
	if *ir == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: backend-check -ir <pipeline.yaml> -out <workflow.yaml> [-params '{...}']")
		os.Exit(2)
	}
	if *name == "" {
		*name = *ir
	}
	if *runAt == 0 {
		*runAt = time.Now().Unix()
	}
	if err := run(*ir, *out, *runID, *runAt, *params, *pipelineRoot, *namespace, *name); err != nil {
		fmt.Fprintf(os.Stderr, "backend-check: %s: %v\n", *ir, err)
		os.Exit(1)
	}
}

func run(irPath, outPath, runID string, runAt int64, params, pipelineRoot, namespace, name string) error {
	// The compiler reads the proxy config; the API server initialises it at start-up
	// (apiserver/main.go), KFP's own backend/src/v2/cmd/compiler does not and panics
	// (config/proxy/config.go ~130-143).
	proxy.InitializeConfigWithEnv()
	manifest, err := os.ReadFile(irPath)
	if err != nil {
		return err
	}
	var values map[string]any
	if err := json.Unmarshal([]byte(params), &values); err != nil {
		return fmt.Errorf("-params is not a JSON object: %w", err)
	}
	tmpl, err := template.New(manifest, template.TemplateOptions{})
	if err != nil {
		return fmt.Errorf("KFP refused the pipeline (template.New): %w", err)
	}
	run := &model.Run{
		DisplayName: name,
		Namespace:   namespace,
		RunDetails:  model.RunDetails{CreatedAtInSec: runAt},
		PipelineSpec: model.PipelineSpec{
			PipelineSpecManifest: model.LargeText(manifest),
			RuntimeConfig: model.RuntimeConfig{
				Parameters:   model.LargeText(params),
				PipelineRoot: model.LargeText(pipelineRoot),
			},
		},
	}
	spec, err := tmpl.RunWorkflow(run, template.RunWorkflowOptions{RunID: runID, RunAt: runAt})
	if err != nil {
		return fmt.Errorf("KFP refused the run (RunWorkflow): %w", err)
	}
	if err := spec.Validate(false, false); err != nil {
		return fmt.Errorf("KFP's run-creation validation failed: %w", err)
	}
	spec.SetExecutionNamespace(namespace)
	wf, ok := spec.(*util.Workflow)
	if !ok {
		return fmt.Errorf("KFP made a %T, not an Argo Workflow (EXECUTION_TYPE?)", spec)
	}
	data, err := yaml.Marshal(wf.Workflow)
	if err != nil {
		return err
	}
	if err := lint(data); err != nil {
		return fmt.Errorf("argo lint (offline, strict) failed: %w", err)
	}
	return os.WriteFile(outPath, data, 0o644)
}

// lint parses the written YAML as `argo lint --offline` does and validates it with Lint set.
func lint(data []byte) error {
	ctx := util.ArgoContext()
	results := argocommon.ParseObjects(ctx, data, true)
	if len(results) != 1 {
		return fmt.Errorf("expected one object, parsed %d", len(results))
	}
	if results[0].Err != nil {
		return results[0].Err
	}
	wf, ok := results[0].Object.(*wfv1.Workflow)
	if !ok {
		return fmt.Errorf("parsed a %T, not a Workflow", results[0].Object)
	}
	return validate.ValidateWorkflow(ctx, nil, nil, wf, nil, validate.ValidateOpts{Lint: true})
}

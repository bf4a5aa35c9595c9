package features

import (
	"encoding/json"
	"fmt"

	"github.com/aftercare/aftercare/workflow"
)

// saveModel writes a fitted model (scaler, encoder, imputer) as indented
// JSON to path under the run's output folder; like every output, the file
// appears only when the whole run succeeds. what names the model in errors.
func saveModel(r *workflow.RunContext, path, what string, model any) error {
	b, err := json.MarshalIndent(model, "", "  ")
	if err != nil {
		return fmt.Errorf("save %s: %w", what, err)
	}
	f, err := r.CreateOutput(path)
	if err != nil {
		return fmt.Errorf("save %s: %w", what, err)
	}
	_, err = f.Write(append(b, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("save %s: %w", what, err)
	}
	return nil
}

// Package all registers every aftercare step type; import it for its side
// effects, as cmd/aftercare does.
package all

import (
	_ "github.com/aftercare/aftercare/steps/action"
	_ "github.com/aftercare/aftercare/steps/bayes"
	_ "github.com/aftercare/aftercare/steps/cluster"
	_ "github.com/aftercare/aftercare/steps/dataio"
	_ "github.com/aftercare/aftercare/steps/features"
	_ "github.com/aftercare/aftercare/steps/segment"
)

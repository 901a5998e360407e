package robustness

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/anishathalye/porcupine"
)

// writeReport saves the history (JSON, one op per line) and porcupine's visualisation into dir
// and returns the visualisation's path.
func writeReport(dir string, h History, info porcupine.LinearizationInfo) (string, error) {
	f, err := os.Create(filepath.Join(dir, "history.json"))
	if err != nil {
		return "", fmt.Errorf("robustness: history file: %w", err)
	}
	enc := json.NewEncoder(f)
	for _, op := range h.Sorted() {
		if err := enc.Encode(op); err != nil {
			f.Close()
			return "", fmt.Errorf("robustness: write history: %w", err)
		}
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("robustness: write history: %w", err)
	}
	html := filepath.Join(dir, "linearizability.html")
	if err := porcupine.VisualizePath(zkModel, info, html); err != nil {
		return "", fmt.Errorf("robustness: visualisation: %w", err)
	}
	return html, nil
}

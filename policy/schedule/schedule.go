// Package schedule turns an ImagePolicy's spec.schedule into the times its
// registry scans are due. Validation and the scanner share it, so a schedule
// the API accepts is exactly one the scanner can run.
package schedule

import (
	"fmt"

	"github.com/robfig/cron/v3"
)

// Default is the schedule of a policy that sets none.
const Default = "@every 5m"

// parser accepts standard 5-field cron expressions and descriptors such as
// @hourly and @every 2m; it is stateless and safe for concurrent use.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Parse returns the schedule of expr; an empty expr means Default.
func Parse(expr string) (cron.Schedule, error) {
	if expr == "" {
		expr = Default
	}
	s, err := parser.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("parse schedule %q: %w", expr, err)
	}
	return s, nil
}

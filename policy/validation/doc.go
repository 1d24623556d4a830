// Package validation judges the parts of an ImagePolicy spec that the CRD's
// OpenAPI and CEL rules cannot: semver ranges, regular expressions and their
// capture groups, cron schedules, image repositories and commit templates.
//
// The same checks run in two places: in the validating admission webhook
// (Validator), so that a bad policy is rejected at apply time with a message
// that names the field, and in the scanner, for policies that reached the API
// server while the webhook was not there.
package validation

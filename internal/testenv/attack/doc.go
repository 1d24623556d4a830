// Package attack holds what tests of hostile input play: a listener that
// counts the connections it should never get, a registry that answers with
// an error body no admission answer may repeat, and a scraper that knocks
// on a guarded /metrics endpoint with or without a ServiceAccount token.
package attack

// Package attack holds what tests of hostile input play: a listener that
// counts the connections it should never get, and a registry that answers
// with an error body no admission answer may repeat.
package attack

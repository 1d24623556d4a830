// Package gitserver runs a real Git server for tests: a bare repository in a
// temporary folder, served over smart HTTP by `git http-backend` (through
// net/http/cgi) on 127.0.0.1 with HTTP basic auth, and optionally over SSH.
//
// Git write-back must be tested against real push and fetch semantics: a
// push that the server refuses because the branch moved, a wrong password,
// a fetch of commits made by others. A fake cannot be trusted on those, and
// the git CLI that provides them is on every machine that builds imagepin.
//
// Tests seed files with Commit (through a work clone and the git CLI, not
// through HTTP), read what the branch holds with File and Log, and make
// someone else push at a chosen moment of a client's push with OnPush.
package gitserver

// Package scanrequest is "scan now": the imagepin.dev/scan-requested-at
// annotation on an ImagePolicy. Whoever wants a policy scanned at once (the
// registry receiver on any manager replica, or `imagepin scan-now`) writes a
// new value there; the scanner, on the elected leader, sees the annotation
// change, scans that policy with a fresh tag listing whatever its schedule,
// and records the value in status.lastHandledScanAt so that one request is
// scanned once. The annotation is the only channel between replicas: no
// replica needs to reach another.
package scanrequest

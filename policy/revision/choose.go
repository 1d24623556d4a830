package revision

import (
	"time"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// Settle is how long a new value of status.current waits before it applies
// to revisions created after it. It absorbs what makes "created after the
// change" uncertain: the one-second resolution of creationTimestamp and
// status.history[].since, clock skew between imagepin and the API server,
// and the delay before every replica's informer has seen the change. A
// revision created within Settle of a change gets the value before it;
// imagepin's own rollouts start RolloutDelay after a change, well past it.
const Settle = 5 * time.Second

// RolloutDelay is how long after a change of current imagepin waits before
// it starts a rollout, so that the new revision is created after the change
// has settled on every replica, with room for clock skew in both directions.
const RolloutDelay = 2 * Settle

// Entries returns the known values of status.current, newest first: the
// history, with current in front should the history not start with it.
func Entries(st *v1alpha1.ImagePolicyStatus) []v1alpha1.ImageRecord {
	if st.Current == nil {
		return st.History
	}
	if len(st.History) > 0 && st.History[0].Image == st.Current.Image {
		return st.History
	}
	return append([]v1alpha1.ImageRecord{st.Current.ImageRecord}, st.History...)
}

// Choose returns the value of current that a revision created at created
// is pinned to: the newest entry that had settled by then. A revision older
// than every known entry (it started before the policy chose anything, or
// the history no longer reaches back to it) gets the oldest entry: the first
// value imagepin is known to have pinned for it. That answer does not move
// when current does; it moves only when the history is trimmed, which the
// revision recorder makes harmless by writing the answer onto the revision
// long before. entries are newest first; ok is false when there are none.
func Choose(entries []v1alpha1.ImageRecord, created time.Time) (v1alpha1.ImageRecord, bool) {
	if e, ok := Settled(entries, created); ok {
		return e, true
	}
	if len(entries) == 0 {
		return v1alpha1.ImageRecord{}, false
	}
	return entries[len(entries)-1], true
}

// Settled returns the newest of entries (newest first) that had settled by
// t, and false when none had: at t, the policy had chosen nothing yet that
// Pods created then would get.
func Settled(entries []v1alpha1.ImageRecord, t time.Time) (v1alpha1.ImageRecord, bool) {
	for _, e := range entries {
		if !e.Since.Add(Settle).After(t) {
			return e, true
		}
	}
	return v1alpha1.ImageRecord{}, false
}

package cachetrim

import (
	"unique"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/imagepin/imagepin/policy/api/v1alpha1"
)

// Policy is the cache transform of ImagePolicies: Meta, and then the
// strings that policies commonly hold alike are replaced by one shared
// copy each (unique.Make): a fleet's policies name a few namespaces, the
// ten policies of one repository hold its repository and a few digests,
// and within one policy latest, current and the newest history entry
// repeat one digest and one image. The values do not change; shared
// strings are freed once no cached policy holds them. Other objects pass
// through Meta alone.
func Policy(obj any) (any, error) {
	p, ok := obj.(*v1alpha1.ImagePolicy)
	if !ok {
		return Meta(obj)
	}
	trimMeta(p)
	internMeta(&p.ObjectMeta)
	internSpec(&p.Spec)
	internStatus(&p.Status)
	return p, nil
}

// intern replaces *s by the shared copy of its value.
func intern[S ~string](s *S) {
	if *s != "" {
		*s = S(unique.Make(string(*s)).Value())
	}
}

func internMeta(m *metav1.ObjectMeta) {
	intern(&m.Namespace)
	for k, v := range m.Labels {
		m.Labels[k] = unique.Make(v).Value()
	}
}

func internSpec(s *v1alpha1.ImagePolicySpec) {
	intern(&s.Image)
	intern(&s.Schedule)
	intern(&s.Platform)
	if s.Select.SemVer != nil {
		intern(&s.Select.SemVer.Range)
	}
	if s.SecretRef != nil {
		intern(&s.SecretRef.Name)
	}
	if w := s.WriteBack; w != nil {
		intern(&w.Git.URL)
		intern(&w.Git.Branch)
		intern(&w.Git.Path)
	}
}

func internStatus(st *v1alpha1.ImagePolicyStatus) {
	if l := st.Latest; l != nil {
		intern(&l.Tag)
		intern(&l.Digest)
	}
	if c := st.Current; c != nil {
		internRecord(&c.ImageRecord)
		intern(&c.ShortDigest)
	}
	for i := range st.History {
		internRecord(&st.History[i])
	}
	if w := st.WriteBack; w != nil {
		intern(&w.Commit)
		intern(&w.URL)
		intern(&w.Branch)
	}
	if r := st.Rollout; r != nil {
		intern(&r.Image)
	}
	for i := range st.Conditions {
		c := &st.Conditions[i]
		intern(&c.Type)
		intern(&c.Status)
		intern(&c.Reason)
		intern(&c.Message)
	}
}

func internRecord(r *v1alpha1.ImageRecord) {
	intern(&r.Image)
	intern(&r.Tag)
	intern(&r.Digest)
	intern(&r.Source)
}

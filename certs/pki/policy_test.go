package pki

import (
	"strings"
	"testing"
	"time"
)

func TestPolicyValidate(t *testing.T) {
	tests := map[string]struct {
		change  func(*Policy)
		wantErr string
	}{
		"defaults of the test":               {change: func(*Policy) {}},
		"no names":                           {change: func(p *Policy) { p.Names = Names{} }, wantErr: "no DNS name"},
		"renew-before not below validity":    {change: func(p *Policy) { p.RenewBefore = p.Validity }, wantErr: "renew-before 10h0m0s must be positive"},
		"zero renew-before":                  {change: func(p *Policy) { p.RenewBefore = 0 }, wantErr: "must be positive"},
		"CA renewed after serving":           {change: func(p *Policy) { p.CARenewBefore = p.RenewBefore }, wantErr: "CA renew-before"},
		"CA renew-before not below validity": {change: func(p *Policy) { p.CAValidity = p.CARenewBefore }, wantErr: "CA renew-before"},
		"negative trust delay":               {change: func(p *Policy) { p.TrustDelay = -time.Second }, wantErr: "trust delay"},
		"trust delay not below renew-before": {change: func(p *Policy) { p.TrustDelay = p.RenewBefore }, wantErr: "trust delay"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := testPolicy()
			tc.change(&p)
			err := p.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("Validate() = %v, want an error containing %q", err, tc.wantErr)
			}
		})
	}
}

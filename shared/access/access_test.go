package access

import (
	"context"
	"testing"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/partner"
)

func TestPartner(t *testing.T) {
	b := dynamotest.Embedded(t)
	st := dynamo.New(b.Client, b.Table)
	ctx := context.Background()
	jane := partner.Partner{ID: "pt_jane", Code: "jane", Subject: "u-jane", Status: partner.StatusActive, CreatedAt: time.Now()}
	if _, _, err := st.CreatePartner(ctx, jane); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		id     string
		caller httpapi.Caller
		want   string // partner id, or the error code
	}{
		{"me", "me", httpapi.Caller{Subject: "u-jane"}, "pt_jane"},
		{"own id", "pt_jane", httpapi.Caller{Subject: "u-jane"}, "pt_jane"},
		{"me, not enrolled", "me", httpapi.Caller{Subject: "u-bob"}, httpapi.CodeNotFound},
		{"another partner", "pt_jane", httpapi.Caller{Subject: "u-bob"}, httpapi.CodeForbidden},
		{"unknown id, partner", "pt_none", httpapi.Caller{Subject: "u-bob"}, httpapi.CodeForbidden},
		{"unknown id, admin", "pt_none", httpapi.Caller{Subject: "ops", Admin: true}, httpapi.CodeNotFound},
		{"any id, admin", "pt_jane", httpapi.Caller{Subject: "ops", Admin: true}, "pt_jane"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Partner(ctx, st, tt.id, tt.caller)
			got := p.ID
			if err != nil {
				got = httpapi.ErrorCode(err)
			}
			if got != tt.want {
				t.Errorf("Partner(%q, %+v) = %q (%v), want %q", tt.id, tt.caller, got, err, tt.want)
			}
		})
	}
}

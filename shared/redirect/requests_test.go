package redirect

import (
	"context"
	"strings"
	"testing"
	"time"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/partner"
)

// TestRequestsPerRedirect counts the DynamoDB requests of a redirect on a
// real store: a new visitor costs one write for the click and one for the
// first touch (sent together), a returning visitor one write, and a cached
// code no read. These counts are what infra/COSTS.md prices.
func TestRequestsPerRedirect(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		api := dynamotest.NewCounter(b.Client)
		st := dynamo.New(api, b.Table)
		if _, _, err := st.CreatePartner(ctx, partner.Partner{ID: "pt_a", Code: "abcd2345", Subject: "u", Status: partner.StatusActive, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		api.Take()
		h, _ := testHandler(t, st)

		first := invoke(t, h, fixture(t))
		if got := api.Take(); got["GetItem"] != 1 || got["UpdateItem"] != 1 || got["PutItem"] != 1 || len(got) != 3 {
			t.Errorf("cold-cache new visitor: requests %v, want GetItem 1, UpdateItem 1, PutItem 1", got)
		}
		invoke(t, h, fixture(t))
		if got := api.Take(); got["GetItem"] != 0 || got["UpdateItem"] != 1 || got["PutItem"] != 1 {
			t.Errorf("warm new visitor: requests %v, want UpdateItem 1, PutItem 1 and no read", got)
		}
		invoke(t, h, event(t, func(ev map[string]any) { ev["cookies"] = []any{strings.SplitN(first.Cookies[0], ";", 2)[0]} }))
		if got := api.Take(); got["UpdateItem"] != 1 || len(got) != 1 {
			t.Errorf("returning visitor: requests %v, want only UpdateItem 1", got)
		}
	})
}

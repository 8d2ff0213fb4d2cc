package partners

import (
	"fmt"
	"testing"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/program"
)

// TestProgramVersions saves three versions and lists them newest first,
// two a page, ending with version 1 from the configuration; a partner may
// not read them and a foreign cursor is refused.
func TestProgramVersions(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		h := programHandler(dynamo.New(b.Client, b.Table))
		type page struct {
			Versions []program.Settings `json:"versions"`
			Next     string             `json:"next_cursor"`
		}
		list := func(query map[string]string) page {
			var p page
			if r := call(t, h, request{route: "GET /program/versions", sub: "admin-1", admin: true, query: query}, &p); r.StatusCode != 200 {
				t.Fatalf("GET /program/versions: %d %s", r.StatusCode, r.Body)
			}
			return p
		}
		if p := list(nil); len(p.Versions) != 1 || p.Versions[0].Version != 1 || p.Versions[0].UpdatedBy != "environment" || p.Next != "" {
			t.Fatalf("before any save: %+v", p)
		}
		for v := 1; v <= 3; v++ {
			body := fmt.Sprintf(`{"version":%d,"default":{"bps":%d,"duration":{"kind":"every_payment"}}}`, v, 1000*v)
			if r := call(t, h, request{route: "PUT /program", sub: fmt.Sprintf("admin-%d", v), admin: true, body: body}, nil); r.StatusCode != 200 {
				t.Fatalf("save over %d: %d %s", v, r.StatusCode, r.Body)
			}
		}
		// Every page size lists the same versions, never more than limit a
		// page, version 1 (never stored) included.
		want := []string{"v4 3000 by admin-3", "v3 2000 by admin-2", "v2 1000 by admin-1", "v1 2500 by environment"}
		for limit := 1; limit <= 5; limit++ {
			var got []string
			q := map[string]string{"limit": fmt.Sprint(limit)}
			for pages := 0; ; pages++ {
				if pages > 5 {
					t.Fatal("the list never ends")
				}
				p := list(q)
				if len(p.Versions) > limit || len(p.Versions) == 0 {
					t.Errorf("limit %d: a page of %d versions", limit, len(p.Versions))
				}
				for _, v := range p.Versions {
					got = append(got, fmt.Sprintf("v%d %d by %s", v.Version, v.Default.BPS, v.UpdatedBy))
				}
				if p.Next == "" {
					break
				}
				q = map[string]string{"limit": fmt.Sprint(limit), "cursor": p.Next}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("limit %d: versions %q, want %q", limit, got, want)
			}
		}
		if r := call(t, h, request{route: "GET /program/versions", sub: "ann"}, nil); r.StatusCode != 403 {
			t.Errorf("a partner read the versions: %d", r.StatusCode)
		}
		if r := call(t, h, request{route: "GET /program/versions", sub: "admin-1", admin: true, query: map[string]string{"cursor": "bm9wZQ"}}, nil); r.StatusCode != 400 {
			t.Errorf("a foreign cursor: %d %s", r.StatusCode, r.Body)
		}
	})
}

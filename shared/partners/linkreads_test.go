package partners

import (
	"context"
	"fmt"
	"testing"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/referral"
)

// TestLinkReadsAreBounded measures, on DynamoDB Local, the read units of
// the profile and the link list: the profile grows with a partner's links
// (each link's click shards are summed, at most referral.MaxLinks links)
// and not with their history; the link list reads the same at one day of
// clicks and at 100. Run with -v for the figures infra/COSTS.md quotes.
func TestLinkReadsAreBounded(t *testing.T) {
	b := dynamotest.DynamoDBLocal(t)
	ctx := context.Background()
	ru := &readUnits{API: b.Client}
	st := dynamo.New(ru, b.Table)
	h := linksHandler(t, st)

	makePartner := func(sub string, links, days int) {
		id := enroll(t, h, sub, sub+"@example.com", sub+"-code")
		for i := range links {
			var l LinkJSON
			if r := linkCall(t, h, "POST /partners/{id}/links", sub, false, map[string]string{"id": "me"}, fmt.Sprintf(`{"name":"Link %d"}`, i), nil, "", &l); r.StatusCode != 201 {
				t.Fatalf("link: %d %s", r.StatusCode, r.Body)
			}
			// Enough clicks that every shard has some (random shards: a
			// shard missing would read nothing on DynamoDB Local).
			perDay := max(4, 40/days)
			for d := range days {
				for range perDay {
					if err := st.CountClick(ctx, dynamo.Click{PartnerID: id, LinkID: l.LinkID, Unique: true, At: testNow.AddDate(0, 0, -d)}); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		for i := range dynamo.ClickShards * 12 {
			if err := st.RecordClick(ctx, id, testNow.AddDate(0, 0, -(i%days))); err != nil {
				t.Fatal(err)
			}
		}
	}
	makePartner("none", 0, 1)
	makePartner("ten", 10, 1)
	makePartner("fifty", referral.MaxActiveLinks, 1)
	makePartner("short", 3, 1)
	makePartner("long", 3, 100)

	measure := func(sub, route string, query map[string]string) float64 {
		ru.take()
		if r := linkCall(t, h, route, sub, false, map[string]string{"id": "me"}, "", query, "", nil); r.StatusCode != 200 {
			t.Fatalf("%s: %d %s", route, r.StatusCode, r.Body)
		}
		return ru.take()
	}
	none, ten, fifty := measure("none", "GET /partners/{id}", nil), measure("ten", "GET /partners/{id}", nil), measure("fifty", "GET /partners/{id}", nil)
	t.Logf("profile: %.1f read units with no link, %.1f with 10, %.1f with 50", none, ten, fifty)
	if fifty > none+float64(referral.MaxActiveLinks*dynamo.LinkShards)*0.5+5 {
		t.Errorf("profile with 50 links read %.1f units, want at most half a unit more per link shard than %.1f", fifty, none)
	}
	short, long := measure("short", "GET /partners/{id}/links", nil), measure("long", "GET /partners/{id}/links", nil)
	t.Logf("link list, 3 links, last 30 days: %.1f read units at 1 day of clicks, %.1f at 100 days", short, long)
	if short != long {
		t.Errorf("link list read %.1f units at a short history, %.1f at a long one; want the same", short, long)
	}
	list50 := measure("fifty", "GET /partners/{id}/links", map[string]string{"limit": "50"})
	t.Logf("link list, 50 links, last 30 days: %.1f read units", list50)
}

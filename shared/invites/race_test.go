package invites

import (
	"fmt"
	"sync"
	"testing"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
)

// TestSameAddressRace: two partners invite the same addresses at the same
// moment. For each address exactly one is sent (once) and the other
// answered already_referred.
func TestSameAddressRace(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		st := dynamo.New(b.Client, b.Table)
		enroll(t, st, "user-a", "aaaa", "a@partners.example.com")
		enroll(t, st, "user-b", "bbbb", "b@partners.example.com")
		sender := &fakeSender{}
		h := newTestHandler(t, st, sender, 50)
		const rounds = 10
		for round := range rounds {
			addr := fmt.Sprintf("friend%d@example.com", round)
			var wg sync.WaitGroup
			got := make([]Response, 2)
			start := make(chan struct{})
			for i, sub := range []string{"user-a", "user-b"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, got[i] = call(t, h, request{sub: sub, body: body([]string{addr}, nil)})
				}()
			}
			close(start)
			wg.Wait()
			statuses := []string{got[0].Results[0].Status, got[1].Results[0].Status}
			if !sameSet(statuses, []string{StatusSent, StatusAlreadyReferred}) {
				t.Errorf("round %d: statuses %v, want one sent and one already_referred", round, statuses)
			}
		}
		to := sender.recipients()
		seen := map[string]int{}
		for _, a := range to {
			seen[a]++
		}
		if len(to) != rounds || len(seen) != rounds {
			t.Errorf("sent %d emails to %d addresses, want each of %d addresses exactly once: %v", len(to), len(seen), rounds, seen)
		}
	})
}

// TestQuotaRace: one partner's concurrent requests never send more than
// INVITES_PER_DAY in total, and the day's counter always equals the
// invites sent: slots of addresses SES refused are given back. Without
// refusals the whole quota is used.
func TestQuotaRace(t *testing.T) {
	for _, refusals := range []bool{false, true} {
		t.Run(fmt.Sprintf("refusals=%v", refusals), func(t *testing.T) {
			dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
				quotaRace(t, b, refusals)
			})
		})
	}
}

func quotaRace(t *testing.T, b dynamotest.Backend, refusals bool) {
	st := dynamo.New(b.Client, b.Table)
	jane := enroll(t, st, "user-123", "jane", "jane@example.com")
	sender := &fakeSender{}
	if refusals {
		sender.refuse = func(to string) bool { return to[0] == 'r' }
	}
	const perDay, requests, perRequest = 10, 8, 6
	h := newTestHandler(t, st, sender, perDay)
	counts := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for r := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			emails := make([]string, perRequest)
			for i := range emails {
				prefix := "f"
				if i%3 == 0 {
					prefix = "r" // refused by SES when refusals is set
				}
				emails[i] = fmt.Sprintf("%s%d-%d@example.com", prefix, r, i)
			}
			<-start
			resp, got := call(t, h, request{body: body(emails, nil)})
			if resp.StatusCode != 200 {
				t.Errorf("request %d: %d %s", r, resp.StatusCode, resp.Body)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, res := range got.Results {
				counts[res.Status]++
			}
		}()
	}
	close(start)
	wg.Wait()
	sent := len(sender.recipients())
	if counts[StatusSent] != sent || sent > perDay || sent == 0 || (!refusals && sent != perDay) {
		t.Errorf("statuses %v, %d emails sent; want at most (without refusals exactly) %d sent", counts, sent, perDay)
	}
	if counts[StatusSent]+counts[StatusFailed]+counts[StatusQuotaExceeded] != requests*perRequest {
		t.Errorf("statuses %v do not add up to %d addresses", counts, requests*perRequest)
	}
	lk, err := st.LookupInvites(t.Context(), jane.ID, dynamo.InviteDay(testNow), nil)
	if err != nil || lk.SentToday != sent {
		t.Errorf("day's counter = %d, %v; want %d, the invites sent", lk.SentToday, err, sent)
	}
}

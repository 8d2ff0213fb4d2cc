package invites

import (
	"fmt"
	"testing"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
)

// TestRequestsPerInvite counts the DynamoDB requests of an invite request
// of n addresses on a real store: two reads for the caller's partner, one
// batch read for every address's suppression and invite touch and the
// day's count, one conditional increment for the quota, one conditional
// put per address, and one more increment only when slots are given back.
func TestRequestsPerInvite(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		api := dynamotest.NewCounter(b.Client)
		st := dynamo.New(api, b.Table)
		enroll(t, st, "user-123", "jane", "jane@example.com")
		sender := &fakeSender{refuse: func(to string) bool { return to[0] == 'r' }}
		h := newTestHandler(t, st, sender, 50)
		emails := make([]string, 25)
		for i := range emails {
			emails[i] = fmt.Sprintf("friend%d@example.com", i)
		}
		api.Take()
		call(t, h, request{body: body(emails, nil)})
		want := map[string]int{"GetItem": 2, "BatchGetItem": 1, "UpdateItem": 1, "PutItem": 25}
		if got := api.Take(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("25 new addresses: requests %v, want %v", got, want)
		}
		call(t, h, request{body: body(emails, nil)})
		want = map[string]int{"GetItem": 2, "BatchGetItem": 1}
		if got := api.Take(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("25 invited addresses: requests %v, want %v", got, want)
		}
		call(t, h, request{body: body([]string{"refused@example.com", "new@example.com"}, nil)})
		want = map[string]int{"GetItem": 2, "BatchGetItem": 1, "UpdateItem": 2, "PutItem": 2, "DeleteItem": 1}
		if got := api.Take(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("one refused, one sent: requests %v, want %v", got, want)
		}
	})
}

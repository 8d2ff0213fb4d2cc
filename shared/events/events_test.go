package events_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"partnerkit/shared/events"
	"partnerkit/shared/ledger"
	"partnerkit/shared/partner"
)

func TestIDsAreStableForTheSameChange(t *testing.T) {
	l := ledger.Line{ID: "c-pay_1", Kind: ledger.KindCommission, PartnerID: "p", PaymentID: "pay_1", Currency: "USD", Amount: 1, At: 1}
	a := events.Line(l, time.Unix(100, 0))
	b := events.Line(l, time.Unix(200, 0)) // recorded again later, by a retry
	if a.ID != b.ID {
		t.Errorf("same line, ids %s and %s", a.ID, b.ID)
	}
	l2 := l
	l2.ID = "c-pay_2"
	if c := events.Line(l2, time.Unix(100, 0)); c.ID == a.ID {
		t.Errorf("two lines share id %s", a.ID)
	}
	p := partner.Partner{ID: "p", Code: "abc", Status: partner.StatusSuspended}
	if events.Suspended(p, 1, time.Unix(1, 0)).ID == events.Suspended(p, 3, time.Unix(1, 0)).ID {
		t.Error("a second suspension has the first one's id")
	}
	if events.Suspended(p, 1, time.Unix(1, 0)).ID != events.Suspended(p, 1, time.Unix(9, 0)).ID {
		t.Error("the same suspension recorded twice has two ids")
	}
	stmt := ledger.Statement{ID: ledger.StatementID("2026-10", "USD", "p"), PartnerID: "p", Period: "2026-10", Currency: "USD", Status: ledger.StatusPayable}
	if events.Closed(stmt, time.Unix(1, 0)).ID == events.Paid(stmt, time.Unix(1, 0)).ID {
		t.Error("a statement's close and payout share an id")
	}
	if !strings.HasPrefix(a.ID, "evt_") || len(a.ID) != 30 {
		t.Errorf("id %q, want evt_ and 26 characters", a.ID)
	}
}

func TestPayloadsCarryNoCustomerEmail(t *testing.T) {
	for _, e := range samples() {
		raw, _ := json.Marshal(e)
		if strings.Contains(string(raw), "c***@example.com") {
			continue // the masked hint is allowed
		}
		for _, secret := range []string{"customer@example.com", "whsec_"} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("%s carries %s: %s", e.Type, secret, raw)
			}
		}
	}
}

func TestKnownTypes(t *testing.T) {
	for _, typ := range events.Types {
		if !events.Known(typ) {
			t.Errorf("Known(%q) = false", typ)
		}
	}
	for _, typ := range []string{"", "partner.*", "Partner.Enrolled", events.TestType, "payout.failed"} {
		if events.Known(typ) {
			t.Errorf("Known(%q) = true", typ)
		}
	}
}

func TestEventRoundTripsThroughJSON(t *testing.T) {
	for _, e := range samples() {
		raw, _ := json.Marshal(e)
		var back events.Event
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		again, _ := json.Marshal(back)
		if string(raw) != string(again) {
			t.Errorf("round trip changed %s:\n%s\n%s", e.Type, raw, again)
		}
	}
}

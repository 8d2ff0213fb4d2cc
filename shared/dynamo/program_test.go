package dynamo_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"partnerkit/shared/activity"
	"partnerkit/shared/dynamo"
	"partnerkit/shared/dynamo/dynamotest"
	"partnerkit/shared/referral"
)

// TestProgramClicks: the program's clicks and unique clicks per day, and
// each partner's over a range, equal what was counted, across partners,
// links, shards and days, including counters that counted again after
// the range began and days before a range that are left out.
func TestProgramClicks(t *testing.T) {
	dynamotest.Each(t, func(t *testing.T, b dynamotest.Backend) {
		ctx := context.Background()
		st := dynamo.New(b.Client, b.Table)
		now := time.Now().UTC()
		today := activity.DayOf(now)
		rng := rand.New(rand.NewPCG(3, 4))
		type tally struct{ clicks, unique int64 }
		byDate := map[string]tally{}
		byPartner := map[string]tally{}
		from := today.AddDate(0, 0, -9)
		partners := []string{"pt_prog_a", "pt_prog_b", "pt_prog_c", "pt_prog_d", "pt_prog_e"}
		for d := 12; d >= 0; d-- { // from before the range to today
			day := today.AddDate(0, 0, -d)
			for _, p := range partners {
				for i := range rng.IntN(4) {
					c := dynamo.Click{PartnerID: p, At: day.Add(time.Duration(i+1) * time.Hour), Unique: rng.IntN(2) == 0}
					if rng.IntN(3) == 0 {
						c.LinkID = "ln_" + p[len(p)-1:]
					}
					if err := st.CountClick(ctx, c); err != nil {
						t.Fatal(err)
					}
					// A returning visitor's unique click, on the unique shards.
					repeatUnique := false
					if !c.Unique && rng.IntN(2) == 0 {
						vid := fmt.Sprintf("v_%s_%d_%d", p, d, i)
						if _, _, err := st.RecordFirstTouch(ctx, referral.Touch{VisitorID: vid, PartnerID: p, At: c.At.Add(-2 * time.Hour), LinkID: "ln_other"}, 90*24*time.Hour); err != nil {
							t.Fatal(err)
						}
						ok, err := st.CountRepeatClick(ctx, vid, c)
						if err != nil || !ok {
							t.Fatalf("repeat click: %v %v", ok, err)
						}
						repeatUnique = true
					}
					if day.Before(from) {
						continue
					}
					date := day.Format(activity.DateFormat)
					x, y := byDate[date], byPartner[p]
					x.clicks++
					y.clicks++
					if c.Unique || repeatUnique {
						x.unique++
						y.unique++
					}
					byDate[date], byPartner[p] = x, y
				}
			}
		}
		gotDate, gotPartner, err := st.ProgramNumbers(ctx, activity.Range{From: from, To: today}, now)
		if err != nil {
			t.Fatal(err)
		}
		for d := from; !d.After(today); d = d.AddDate(0, 0, 1) {
			date := d.Format(activity.DateFormat)
			if g, w := gotDate[date], byDate[date]; g.Clicks != w.clicks || g.Unique != w.unique {
				t.Errorf("program on %s: %d clicks, %d unique; counted %d and %d", date, g.Clicks, g.Unique, w.clicks, w.unique)
			}
		}
		for _, p := range partners {
			if g, w := gotPartner[p], byPartner[p]; g.Clicks != w.clicks || g.Unique != w.unique {
				t.Errorf("%s: %d clicks, %d unique; counted %d and %d", p, g.Clicks, g.Unique, w.clicks, w.unique)
			}
		}
		if len(gotPartner) != len(partners) {
			t.Errorf("numbers for %d partners, want %d", len(gotPartner), len(partners))
		}
	})
}

package dynamo

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/activity"
)

// Daily counts live on the items whose totals they break down: each click
// shard and the partner's stats item carry one number attribute per UTC
// day, d<YYYYMMDD> (a plain name: no ExpressionAttributeNames needed).
// Each write also removes the days that just fell out of retention, so
// the items stay a few kilobytes and reading a partner's activity is the
// same one BatchGetItem whatever its history. The embedded server of the
// local stack ignores top-level REMOVE; reads only look at kept days, so
// answers are the same there.
const dayPrefix = "d"

func dayAttr(d activity.Day) string { return dayPrefix + d.Format("20060102") }

// dayUpdate is "ADD <counter> :one, d<day> :one REMOVE <expired days>"
// for a write made on now's day.
func dayUpdate(counter string, day activity.Day, now time.Time) string {
	return dayUpdates(day, now, dayCounter{counter, dayPrefix})
}

// dayCounter is a running total and the prefix of its daily counts.
type dayCounter struct{ total, prefix string }

// dayUpdates is dayUpdate for several counters of one item: each total
// and its day count gain one, and each counter's expired days go.
func dayUpdates(day activity.Day, now time.Time, counters ...dayCounter) string {
	var b strings.Builder
	for i, c := range counters {
		if i == 0 {
			b.WriteString("ADD ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(c.total)
		b.WriteString(" :one")
		if activity.Kept(day, now) {
			b.WriteString(", ")
			b.WriteString(c.prefix)
			b.WriteString(day.Format("20060102"))
			b.WriteString(" :one")
		}
	}
	first := true
	for _, c := range counters {
		for _, d := range activity.Expired(now) {
			if first {
				b.WriteString(" REMOVE ")
				first = false
			} else {
				b.WriteString(", ")
			}
			b.WriteString(c.prefix)
			b.WriteString(d.Format("20060102"))
		}
	}
	return b.String()
}

type dayExpression struct {
	day  int64  // Unix day
	key  string // monthKey of it
	expr *string
}

// clickExpr caches the click update of the current UTC day: the redirect
// builds it once a day, not once a click.
var clickExpr atomic.Pointer[dayExpression]

func clickUpdate(at time.Time) *string {
	return cachedClickUpdate(&clickExpr, at, dayCounter{"clicks", dayPrefix}).expr
}

// cachedClickUpdate returns the day's update of a click counter from
// cache, building it on the day's first click: the counters' day counts,
// and the counter's entry in the index of counters by the day they last
// counted (clickersSet).
func cachedClickUpdate(cache *atomic.Pointer[dayExpression], at time.Time, counters ...dayCounter) *dayExpression {
	unixDay := at.Unix() / 86400
	if e := cache.Load(); e != nil && e.day == unixDay {
		return e
	}
	e := &dayExpression{day: unixDay, key: monthKey(at),
		expr: aws.String(clickersSet + dayUpdates(activity.DayOf(at), at, counters...))}
	cache.Store(e)
	return e
}

// Activity returns a partner's daily clicks and signups by date
// (activity.DateFormat), read from every click shard and the stats item
// in one eventually consistent batch, then its links' click shards: a
// chart may lag a second.
func (st *Store) Activity(ctx context.Context, partnerID string) (map[string]activity.Counts, error) {
	items, err := st.counterItems(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	out := map[string]activity.Counts{}
	for _, item := range items {
		signups := str(item, attrSK) == "STATS"
		for name := range item {
			if len(name) != 9 || !strings.HasPrefix(name, dayPrefix) {
				continue
			}
			d, err := time.Parse("20060102", name[1:])
			if err != nil {
				continue
			}
			v, err := num(item, name)
			if err != nil {
				return nil, err
			}
			date := d.Format(activity.DateFormat)
			c := out[date]
			if signups {
				c.Signups += v
			} else {
				c.Clicks += v
			}
			out[date] = c
		}
	}
	return out, nil
}

// counterKeys are a partner's click shards and stats item.
func (st *Store) counterKeys(partnerID string) []map[string]types.AttributeValue {
	keys := make([]map[string]types.AttributeValue, 0, ClickShards+1)
	for i := range ClickShards {
		keys = append(keys, key("CLICKS#"+partnerID+shardSuffix[i], "CLICKS"))
	}
	return append(keys, statsKey(partnerID))
}

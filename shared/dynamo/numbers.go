package dynamo

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"partnerkit/shared/activity"
	"partnerkit/shared/ledger"
	"partnerkit/shared/numbers"
	"partnerkit/shared/referral"
)

// Conversions by link and by sub-id, per UTC day, in the partner's own
// partition, written with the signup or payment they count:
//
//	PARTNER#<id>  CONV#<yyyymmdd>#<link>    signups, customers, earned_<CUR>
//	PARTNER#<id>  SIDCONV#<yyyymmdd>#<sid>  the same for one sub-id
//
// Reading a range is one Query of each kind, bounded by the days asked
// for (at most activity.MaxDays) and the links and sub-ids that
// converted on them, whatever the partner's history.
const (
	convPrefix    = "CONV#"
	sidConvPrefix = "SIDCONV#"
	earnedPrefix  = "earned_"
)

func dayKey(d time.Time) string { return d.UTC().Format("20060102") }

// Numbers are numbers.Numbers, as the store reads them.
type Numbers = numbers.Numbers

func addConv(n *Numbers, item map[string]types.AttributeValue) error {
	var err error
	var v int64
	if v, err = num(item, "signups"); err != nil {
		return err
	}
	n.Signups += v
	if v, err = num(item, "customers"); err != nil {
		return err
	}
	n.Customers += v
	for name := range item {
		if c, ok := strings.CutPrefix(name, earnedPrefix); ok {
			if v, err = num(item, name); err != nil {
				return err
			}
			if n.Earned == nil {
				n.Earned = map[string]int64{}
			}
			n.Earned[c] += v
		}
	}
	return nil
}

// linkCounterKeys are the click and unique-click items of the partner's
// links (referral.DefaultLink for the code itself).
func linkCounterKeys(partnerID string, linkIDs []string) []map[string]types.AttributeValue {
	var keys []map[string]types.AttributeValue
	for _, id := range linkIDs {
		if id == referral.DefaultLink {
			for i := range ClickShards {
				keys = append(keys, key("CLICKS#"+partnerID+shardSuffix[i], "CLICKS"))
			}
		} else {
			keys = append(keys, linkClickKeys(partnerID, []string{id})...)
		}
		for i := range UniqueShards {
			keys = append(keys, key("UNIQUE#"+partnerID+"#"+id+"#"+shardText1(i), "UNIQUE"))
		}
	}
	return keys
}

func shardText1(i int) string { return string(rune('0' + i)) }

// counterLink reads the link id out of a click or unique-click item's key.
func counterLink(partnerID, pk string) string {
	switch {
	case strings.HasPrefix(pk, "CLICKS#"):
		return referral.DefaultLink
	case strings.HasPrefix(pk, "LCLICKS#"+partnerID+"#"), strings.HasPrefix(pk, "UNIQUE#"+partnerID+"#"):
		rest := pk[strings.IndexByte(pk, '#')+1+len(partnerID)+1:]
		return rest[:max(strings.LastIndexByte(rest, '#'), 0)]
	}
	return ""
}

// LinkNumbers returns the daily numbers of some of a partner's links
// (referral.DefaultLink for the code itself) on the days of r, by link
// id and date (activity.DateFormat), days without any number left out:
// one batch read of the links' counters and one Query of the range's
// conversions, together, eventually consistent. Days the counters no
// longer keep (activity.Kept) read as zero.
func (st *Store) LinkNumbers(ctx context.Context, partnerID string, linkIDs []string, r activity.Range, now time.Time) (map[string]map[string]Numbers, error) {
	out := make(map[string]map[string]Numbers, len(linkIDs))
	wanted := make(map[string]bool, len(linkIDs))
	for _, id := range linkIDs {
		wanted[id] = true
		out[id] = map[string]Numbers{}
	}
	var (
		wg             sync.WaitGroup
		counters       map[string]map[string]types.AttributeValue
		countErr, qErr error
		conv           []map[string]types.AttributeValue
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		counters, countErr = st.batchGetAll(ctx, linkCounterKeys(partnerID, linkIDs), false)
	}()
	qErr = st.partnerRange(ctx, partnerID, convPrefix+dayKey(r.From), convPrefix+dayKey(r.To)+"~", func(item map[string]types.AttributeValue) error {
		conv = append(conv, item)
		return nil
	})
	wg.Wait()
	if err := errors.Join(countErr, qErr); err != nil {
		return nil, err
	}
	for _, item := range counters {
		id := counterLink(partnerID, str(item, attrPK))
		if !wanted[id] {
			continue
		}
		for name := range item {
			if len(name) != 9 || (name[0] != 'd' && name[0] != 'u') {
				continue
			}
			d, err := time.Parse("20060102", name[1:])
			if err != nil || d.Before(r.From) || d.After(r.To) || !activity.Kept(d, now) {
				continue
			}
			v, err := num(item, name)
			if err != nil {
				return nil, err
			}
			date := d.Format(activity.DateFormat)
			nb := out[id][date]
			if name[0] == 'd' {
				nb.Clicks += v
			} else {
				nb.Unique += v
			}
			out[id][date] = nb
		}
	}
	for _, item := range conv {
		// CONV#<yyyymmdd>#<link>
		sk := str(item, attrSK)
		if len(sk) < len(convPrefix)+10 {
			continue
		}
		id := sk[len(convPrefix)+9:]
		if !wanted[id] {
			continue
		}
		d, err := time.Parse("20060102", sk[len(convPrefix):len(convPrefix)+8])
		if err != nil {
			continue
		}
		date := d.Format(activity.DateFormat)
		nb := out[id][date]
		if err := addConv(&nb, item); err != nil {
			return nil, err
		}
		out[id][date] = nb
	}
	return out, nil
}

// SidNumbers returns a partner's conversions by sub-id over the days of
// r: one Query.
func (st *Store) SidNumbers(ctx context.Context, partnerID string, r activity.Range) (map[string]Numbers, error) {
	out := map[string]Numbers{}
	err := st.partnerRange(ctx, partnerID, sidConvPrefix+dayKey(r.From), sidConvPrefix+dayKey(r.To)+"~", func(item map[string]types.AttributeValue) error {
		sk := str(item, attrSK)
		if len(sk) < len(sidConvPrefix)+10 {
			return nil
		}
		sid := sk[len(sidConvPrefix)+9:]
		nb := out[sid]
		err := addConv(&nb, item)
		out[sid] = nb
		return err
	})
	return out, err
}

// ProgramShards spreads the program's day rows: a partner's numbers all
// go to the shard of its ledger shard, so ranking partners needs no merge
// across shards, and a day's row holds a share of the partners active
// that day.
const ProgramShards = 8

func programDayPK(partnerID string) string {
	return "PROGRAM#" + shardText(PartnerShard(partnerID)%ProgramShards)
}

// programPrefix names a partner's own numbers on a program day row.
const programPrefix = "p_"

// convAdds are the updates that count one event of a link (referral.
// DefaultLink or "" for the code itself) and sub-id on day: the link's
// row, the sub-id's row and the program's row, for a transaction the
// caller already writes. adds maps attributes (signups, customers,
// earned_<CUR>) to what they gain; each row is touched once.
func (st *Store) convAdds(partnerID, linkID, sid string, day time.Time, adds map[string]int64) []types.TransactWriteItem {
	return st.convUpdates(convEvent{partnerID, linkID, sid, day, adds})
}

// convEvent is what one event adds to a partner's link, sub-id and
// program rows of a day (negative to take it back).
type convEvent struct {
	partnerID, linkID, sid string
	day                    time.Time
	adds                   map[string]int64
}

// convUpdates are the updates of several events in one transaction, one
// per row however many events touch it (a transaction may touch an item
// once): an override takes a customer's numbers off one partner's rows
// and puts them on another's, which may share a program row, where what
// nets to zero is not written at all.
func (st *Store) convUpdates(events ...convEvent) []types.TransactWriteItem {
	type row struct {
		pk, sk string
		attrs  []string
		adds   map[string]int64
	}
	var rows []*row
	byKey := map[string]*row{}
	add := func(pk, sk, attr string, v int64) {
		r := byKey[pk+"|"+sk]
		if r == nil {
			r = &row{pk: pk, sk: sk, adds: map[string]int64{}}
			byKey[pk+"|"+sk] = r
			rows = append(rows, r)
		}
		if _, ok := r.adds[attr]; !ok {
			r.attrs = append(r.attrs, attr)
		}
		r.adds[attr] += v
	}
	for _, e := range events {
		linkID := e.linkID
		if linkID == "" {
			linkID = referral.DefaultLink
		}
		attrs := make([]string, 0, len(e.adds))
		for a := range e.adds {
			attrs = append(attrs, a)
		}
		slices.Sort(attrs)
		d := dayKey(e.day)
		for _, a := range attrs {
			v := e.adds[a]
			add(partnerPK(e.partnerID), convPrefix+d+"#"+linkID, a, v)
			if e.sid != "" {
				add(partnerPK(e.partnerID), sidConvPrefix+d+"#"+e.sid, a, v)
			}
			program := programDayPK(e.partnerID)
			add(program, "DAY#"+d, a, v)
			add(program, "DAY#"+d, programPrefix+e.partnerID+"_"+a, v)
		}
	}
	items := make([]types.TransactWriteItem, 0, len(rows))
	for _, r := range rows {
		names := map[string]string{}
		values := map[string]types.AttributeValue{}
		var b strings.Builder
		for _, a := range r.attrs {
			if r.adds[a] == 0 {
				continue
			}
			k := strconv.Itoa(len(names))
			if len(names) == 0 {
				b.WriteString("ADD ")
			} else {
				b.WriteString(", ")
			}
			names["#a"+k], values[":v"+k] = a, i64(r.adds[a])
			b.WriteString("#a" + k + " :v" + k)
		}
		if len(names) == 0 {
			continue
		}
		items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: st.table, Key: key(r.pk, r.sk),
			UpdateExpression: aws.String(b.String()), ExpressionAttributeNames: names, ExpressionAttributeValues: values}})
	}
	return items
}

// earnedAdds are convAdds for ledger lines of one payment: what each UTC
// day of the lines earned, per currency, on the payment's link.
func (st *Store) earnedAdds(partnerID, linkID, sid string, lines []ledger.Line) []types.TransactWriteItem {
	byDay := map[string]map[string]int64{}
	var days []string
	for _, l := range lines {
		d := dayKey(time.UnixMilli(l.At))
		if byDay[d] == nil {
			byDay[d] = map[string]int64{}
			days = append(days, d)
		}
		byDay[d][earnedPrefix+l.Currency] += l.Amount
	}
	events := make([]convEvent, 0, len(days))
	for _, d := range days {
		day, _ := time.Parse("20060102", d)
		events = append(events, convEvent{partnerID, linkID, sid, day, byDay[d]})
	}
	return st.convUpdates(events...)
}

// Program-wide clicks cost no write of their own: every click counter
// (CLICKS, LCLICKS and UNIQUE items) is filed on gsi2, keys only, under
// the last month it counted,
//
//	gsi2pk CLICKERS#<program shard of its partner>  gsi2sk <yyyymm>#<its pk>
//
// by the click's own UpdateItem. Setting a key to the value it holds
// writes nothing to the index, so a counter's entry moves once a month
// (a delete and a put on the index), not once a click. The counters that
// counted since the month of a range's first day are those a Query from
// that month finds; their day counts hold every click of the range. Reads
// are so bounded by the partners that had clicks since that month began,
// whatever the program's history.
const clickersSet = "SET gsi2pk = :gp, gsi2sk = :gs "

func clickersPK(shard int) string { return "CLICKERS#" + strconv.Itoa(shard) }

var clickersShards = func() (a [ProgramShards]types.AttributeValue) {
	for i := range a {
		a[i] = s(clickersPK(i))
	}
	return a
}()

// clickerValues are the values of a click counter's update (clickersSet
// and the day counts) in month (yyyymm): few allocations, as the redirect
// makes it.
func clickerValues(partnerID, pk, month string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		":one": one,
		":gp":  clickersShards[PartnerShard(partnerID)%ProgramShards],
		":gs":  &types.AttributeValueMemberS{Value: month + "#" + pk},
	}
}

func monthKey(t time.Time) string { return t.UTC().Format("200601") }

// counterPartner reads the partner id out of a click counter's key:
// CLICKS#<id>#<n>, LCLICKS#<id>#<link>#<n> or UNIQUE#<id>#<link>#<n>.
func counterPartner(pk string) string {
	_, rest, ok := strings.Cut(pk, "#")
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, "#")
	return id
}

// programClicks adds to byDate and byPartner the clicks and unique clicks
// of r: one Query per program shard of gsi2 for the counters that counted
// since r's first month began, then a batch read of them, eventually
// consistent.
func (st *Store) programClicks(ctx context.Context, r activity.Range, now time.Time, byDate, byPartner map[string]Numbers, mu *sync.Mutex) error {
	var (
		kmu  sync.Mutex
		keys []map[string]types.AttributeValue
		wg   sync.WaitGroup
		errs = make([]error, ProgramShards)
	)
	for shard := range ProgramShards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[shard] = st.query(ctx, &dynamodb.QueryInput{
				TableName: st.table, IndexName: aws.String("gsi2"),
				KeyConditionExpression: aws.String("gsi2pk = :p AND gsi2sk >= :from"),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":p": s(clickersPK(shard)), ":from": s(monthKey(r.From)),
				},
			}, func(item map[string]types.AttributeValue) error {
				kmu.Lock()
				keys = append(keys, key(str(item, attrPK), str(item, attrSK)))
				kmu.Unlock()
				return nil
			})
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	counters, err := st.batchGetAll(ctx, keys, false)
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	for _, item := range counters {
		id := counterPartner(str(item, attrPK))
		for name := range item {
			if len(name) != 9 || (name[0] != dayPrefix[0] && name[0] != uniquePrefix[0]) {
				continue
			}
			d, err := time.Parse("20060102", name[1:])
			if err != nil || d.Before(r.From) || d.After(r.To) || !activity.Kept(d, now) {
				continue
			}
			v, err := num(item, name)
			if err != nil {
				return err
			}
			n := Numbers{Clicks: v}
			if name[0] == uniquePrefix[0] {
				n = Numbers{Unique: v}
			}
			date := d.Format(activity.DateFormat)
			day, p := byDate[date], byPartner[id]
			day.Add(n)
			p.Add(n)
			byDate[date], byPartner[id] = day, p
		}
	}
	return nil
}

// ProgramNumbers returns the whole program's clicks, unique clicks,
// signups, paying customers and earnings by date over r, and each
// partner's totals over r (for the top partners): one Query per program
// shard of the day rows, and the click counters of programClicks,
// together, bounded by the range and the partners active in it, whatever
// the program's history. Days the click counters no longer keep
// (activity.Kept) have no clicks.
func (st *Store) ProgramNumbers(ctx context.Context, r activity.Range, now time.Time) (map[string]Numbers, map[string]Numbers, error) {
	byDate, byPartner := map[string]Numbers{}, map[string]Numbers{}
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		errs     = make([]error, ProgramShards)
		clickErr error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		clickErr = st.programClicks(ctx, r, now, byDate, byPartner, &mu)
	}()
	for shard := range ProgramShards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[shard] = st.query(ctx, &dynamodb.QueryInput{
				TableName:              st.table,
				KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :from AND :to"),
				ExpressionAttributeValues: map[string]types.AttributeValue{
					":pk": s("PROGRAM#" + shardText(shard)), ":from": s("DAY#" + dayKey(r.From)), ":to": s("DAY#" + dayKey(r.To)),
				},
			}, func(item map[string]types.AttributeValue) error {
				d, err := time.Parse("20060102", strings.TrimPrefix(str(item, attrSK), "DAY#"))
				if err != nil {
					return nil
				}
				date := d.Format(activity.DateFormat)
				mu.Lock()
				defer mu.Unlock()
				day := byDate[date]
				for name := range item {
					v, err := num(item, name)
					if err != nil {
						return err
					}
					if rest, ok := strings.CutPrefix(name, programPrefix); ok {
						id, n := partnerNumber(rest, v)
						if id != "" {
							p := byPartner[id]
							p.Add(n)
							byPartner[id] = p
						}
						continue
					}
					day.Add(numberOf(name, v))
				}
				byDate[date] = day
				return nil
			})
		}()
	}
	wg.Wait()
	return byDate, byPartner, errors.Join(append(errs, clickErr)...)
}

// numberOf is a day row's attribute as Numbers.
func numberOf(name string, v int64) Numbers {
	switch {
	case name == "signups":
		return Numbers{Signups: v}
	case name == "customers":
		return Numbers{Customers: v}
	case strings.HasPrefix(name, earnedPrefix):
		return Numbers{Earned: map[string]int64{strings.TrimPrefix(name, earnedPrefix): v}}
	}
	return Numbers{}
}

// partnerNumber reads "<partner>_<attribute>" of a program row.
func partnerNumber(rest string, v int64) (string, Numbers) {
	for _, a := range []string{"_signups", "_customers"} {
		if id, ok := strings.CutSuffix(rest, a); ok {
			return id, numberOf(a[1:], v)
		}
	}
	if i := strings.LastIndex(rest, "_"+earnedPrefix); i > 0 {
		return rest[:i], numberOf(rest[i+1:], v)
	}
	return "", Numbers{}
}

package notify

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/aws/smithy-go"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/email"
	"partnerkit/shared/emailaddr"
	"partnerkit/shared/events"
	"partnerkit/shared/ledger"
	"partnerkit/shared/partner"
	"partnerkit/shared/unsubscribe"
	"partnerkit/shared/validate"
)

// eventData is what the notifier reads of an event's data: the partner
// (when the envelope does not name it), the customer of a commission and
// a statement's period, currency, total and status.
type eventData struct {
	PartnerID  string `json:"partner_id"`
	CustomerID string `json:"customer_id"`
	Period     string `json:"period"`
	Currency   string `json:"currency"`
	Total      int64  `json:"total"`
	Status     string `json:"status"`
	// Kind is a commission line's: a second-tier override pays on another
	// partner's customer, which is no milestone of this partner's.
	Kind string `json:"kind"`
}

// Outcome statuses: what became of an event's email.
const (
	StatusSent       = "sent"
	StatusDuplicate  = "duplicate"  // already sent for this event, or once-only and sent before
	StatusOff        = "off"        // the partner turned this kind off
	StatusSuspended  = "suspended"  // the partner is suspended
	StatusSuppressed = "suppressed" // the partner's address unsubscribed
	StatusNoAddress  = "no_address" // the partner has no valid address
	StatusIgnored    = "ignored"    // the event asks for no email
	StatusRejected   = "rejected"   // SES refused this message for good
)

// Outcome is what Notify did with one event.
type Outcome struct {
	Kind   string // a partner.Kinds entry, empty when ignored
	Status string
	// MessageID is SES's id of the email sent.
	MessageID string
}

// Milestones are the counts of paying customers that earn an email.
var Milestones = []int64{1, 10, 100}

// Store is what the notifier needs of the store.
type Store interface {
	Partner(ctx context.Context, id string) (partner.Partner, error)
	NotificationPrefs(ctx context.Context, partnerID string) (partner.Notifications, error)
	Suppressed(ctx context.Context, emailHash string) (bool, error)
	ClaimNotification(ctx context.Context, mark string, at time.Time) (bool, error)
	ReleaseNotification(ctx context.Context, mark string) error
	PayingCustomers(ctx context.Context, partnerID, customerID string) (int64, error)
	Notified(ctx context.Context, mark string) (bool, error)
	FirstCustomer(ctx context.Context, partnerID string) (string, error)
}

var _ Store = (*dynamo.Store)(nil)

// Sender sends one email; *email.SES is one.
type Sender interface {
	Send(ctx context.Context, m email.Message) (string, error)
}

var _ Sender = (*email.SES)(nil)

// Notifier turns events into partner emails. It is safe for concurrent use.
type Notifier struct {
	Store        Store
	Sender       Sender
	Hasher       *emailaddr.Hasher
	Unsubscribes *unsubscribe.Tokens
	// BaseURL is PUBLIC_BASE_URL: referral links, the center and the
	// unsubscribe links live under it.
	BaseURL string
	// Site is the host of LANDING_URL, how the emails name the SaaS.
	Site string
	From string
	Now  func() time.Time
	Log  *slog.Logger
}

// ErrBadEvent is returned (wrapped) for an event the notifier cannot read;
// delivering it again will not help.
var ErrBadEvent = errors.New("notify: bad event")

// Notify sends the email event ev calls for, at most once. An error means
// nothing was sent and a later delivery of ev may send it (unless it wraps
// ErrBadEvent); every Outcome is final.
func (n *Notifier) Notify(ctx context.Context, ev events.Event) (Outcome, error) {
	var kind string
	switch ev.Type {
	case events.PartnerEnrolled:
		kind = partner.KindWelcome
	case events.CustomerAttributed:
		kind = partner.KindFirstSignup
	case events.StatementClosed:
		kind = partner.KindStatementPayable
	case events.CommissionCreated:
		kind = partner.KindMilestones
	default:
		return Outcome{Status: StatusIgnored}, nil
	}
	var d eventData
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		return Outcome{}, fmt.Errorf("%w: %s %q: %v", ErrBadEvent, ev.Type, ev.ID, err)
	}
	if ev.PartnerID != "" {
		d.PartnerID = ev.PartnerID
	}
	if d.PartnerID == "" || ev.ID == "" {
		return Outcome{}, fmt.Errorf("%w: %s %q needs an id and a partner", ErrBadEvent, ev.Type, ev.ID)
	}
	if kind == partner.KindStatementPayable && d.Status != "payable" {
		return Outcome{Status: StatusIgnored}, nil
	}
	if ev.Type == events.CommissionCreated && d.Kind == ledger.KindOverride {
		return Outcome{Status: StatusIgnored}, nil
	}
	m := mail{Kind: kind}
	// Once-only emails are marked per partner, so they go out once
	// whichever event brings them; the others per event.
	mark := ev.ID + "#" + kind
	switch kind {
	case partner.KindFirstSignup:
		mark = "PARTNER#" + d.PartnerID + "#" + kind
		// Only the partner's earliest customer's event brings it: not the
		// next signup of a partner whose first came before these emails,
		// nor one handled while an earlier signup's event is still on its
		// way. The mark is read first, so later signups cost one read.
		sent, err := n.Store.Notified(ctx, mark)
		if err != nil {
			return Outcome{}, err
		}
		if sent {
			return Outcome{Kind: kind, Status: StatusDuplicate}, nil
		}
		first, err := n.Store.FirstCustomer(ctx, d.PartnerID)
		if err != nil {
			return Outcome{}, err
		}
		if first == "" {
			// The list is an index: this signup is not in it yet.
			return Outcome{}, fmt.Errorf("notify: %s: the partner's customers do not show the signup yet", ev.ID)
		}
		if first != d.CustomerID {
			return Outcome{Kind: kind, Status: StatusIgnored}, nil
		}
	case partner.KindMilestones:
		count, err := n.Store.PayingCustomers(ctx, d.PartnerID, d.CustomerID)
		if err != nil {
			return Outcome{}, err
		}
		// The highest milestone reached: a partner who passed several
		// before any was mailed gets one email, not a burst.
		for _, ms := range Milestones {
			if count >= ms {
				m.Milestone = ms
			}
		}
		if m.Milestone == 0 {
			return Outcome{Status: StatusIgnored}, nil
		}
		mark = fmt.Sprintf("PARTNER#%s#%s#%d", d.PartnerID, kind, m.Milestone)
		// Most payments come between milestones: a read of the mark
		// answers them, without the partner or a refused write.
		sent, err := n.Store.Notified(ctx, mark)
		if err != nil {
			return Outcome{}, err
		}
		if sent {
			return Outcome{Kind: kind, Status: StatusDuplicate}, nil
		}
	case partner.KindStatementPayable:
		if _, err := time.Parse("2006-01", d.Period); err != nil || d.Currency == "" {
			return Outcome{}, fmt.Errorf("%w: statement.closed %q needs period and currency", ErrBadEvent, ev.ID)
		}
		m.Period, m.Amount = periodName(d.Period), ledger.Money(d.Total, d.Currency)
	}
	p, err := n.Store.Partner(ctx, d.PartnerID)
	if errors.Is(err, dynamo.ErrNotFound) {
		return Outcome{}, fmt.Errorf("%w: no partner %q", ErrBadEvent, d.PartnerID)
	}
	if err != nil {
		return Outcome{}, err
	}
	claimed, err := n.Store.ClaimNotification(ctx, mark, n.Now().UTC())
	if err != nil {
		return Outcome{}, err
	}
	if !claimed {
		return Outcome{Kind: kind, Status: StatusDuplicate}, nil
	}
	// From here the mark stands whether or not the email goes out, so a
	// kind turned off at its moment is not sent later out of context;
	// only a failure to send releases it for the next delivery.
	out, err := n.send(ctx, p, m)
	if err != nil {
		if rerr := n.Store.ReleaseNotification(ctx, mark); rerr != nil {
			n.Log.ErrorContext(ctx, "notification mark not released: the email will not be retried", "mark", mark, "error", rerr.Error())
		}
		return Outcome{}, err
	}
	n.Log.InfoContext(ctx, "partner notification", "event_id", ev.ID, "partner_id", p.ID, "kind", kind, "status", out.Status)
	return out, nil
}

// send checks the partner, its address and preferences, and sends m.
func (n *Notifier) send(ctx context.Context, p partner.Partner, m mail) (Outcome, error) {
	out := Outcome{Kind: m.Kind}
	if p.Suspended() {
		out.Status = StatusSuspended
		return out, nil
	}
	to, err := emailaddr.Normalize(p.Email)
	if err != nil {
		out.Status = StatusNoAddress
		return out, nil
	}
	prefs, err := n.Store.NotificationPrefs(ctx, p.ID)
	if err != nil {
		return out, err
	}
	if !prefs.On(m.Kind) {
		out.Status = StatusOff
		return out, nil
	}
	if sup, err := n.Store.Suppressed(ctx, n.Hasher.Hash(to)); err != nil {
		return out, err
	} else if sup {
		out.Status = StatusSuppressed
		return out, nil
	}
	msg, err := n.compose(p, to, m)
	if err != nil {
		return out, err
	}
	id, err := n.Sender.Send(ctx, msg)
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "MessageRejected" {
		// SES refuses this message whenever it is sent (an unverified
		// address in the sandbox, say): retrying would hold the event in
		// the outbox forever, so the mark stays and the refusal is logged.
		n.Log.ErrorContext(ctx, "partner email rejected by SES", "partner_id", p.ID, "kind", m.Kind, "error_code", ae.ErrorCode())
		out.Status = StatusRejected
		return out, nil
	}
	if err != nil {
		return out, err
	}
	out.Status, out.MessageID = StatusSent, id
	return out, nil
}

// periodName shows a period (YYYY-MM) as a month: "November 2026".
func periodName(period string) string {
	t, err := time.Parse("2006-01", period)
	if err != nil {
		return period
	}
	return t.Format("January 2006")
}

//go:embed templates
var templateFiles embed.FS

// The HTML part goes through html/template, so a partner's name is
// escaped text there whatever it holds.
var (
	subjectTemplates = texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/subjects.txt"))
	textTemplate     = texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/body.txt"))
	htmlTemplate     = htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/body.html"))
)

// about names each kind in its unsubscribe link: "To stop <about>".
var about = map[string]string{
	partner.KindWelcome:          "welcome emails",
	partner.KindFirstSignup:      "first signup emails",
	partner.KindStatementPayable: "emails about payable statements",
	partner.KindMilestones:       "milestone emails",
}

// mail is what one email says beyond the partner: its kind and, per
// kind, the statement's period and amount or the milestone.
type mail struct {
	Kind      string
	Period    string
	Amount    string
	Milestone int64
}

// mailData is what the templates show.
type mailData struct {
	mail
	Name              string
	Site              string
	Link              string
	CenterURL         string
	Subject           string
	About             string
	UnsubscribeURL    string
	UnsubscribeAllURL string
}

// compose builds the email m to partner p at its checked address to.
func (n *Notifier) compose(p partner.Partner, to string, m mail) (email.Message, error) {
	d := mailData{
		mail:              m,
		Name:              "there",
		Site:              n.Site,
		Link:              n.BaseURL + "/r/" + p.Code,
		CenterURL:         n.BaseURL + "/center/",
		About:             about[m.Kind],
		UnsubscribeURL:    n.Unsubscribes.PartnerURL(n.BaseURL, p.ID, m.Kind),
		UnsubscribeAllURL: n.Unsubscribes.PartnerURL(n.BaseURL, p.ID, unsubscribe.KindAll),
	}
	// A name stored before the name rule existed may break it (line
	// breaks, bidi overrides); such a name is not shown.
	if p.Name != "" && validate.Name(p.Name) == nil {
		d.Name = p.Name
	}
	var subject, text, html bytes.Buffer
	if err := subjectTemplates.ExecuteTemplate(&subject, m.Kind, d); err != nil {
		return email.Message{}, err
	}
	// One line, whatever the name or site held.
	d.Subject = strings.Join(strings.Fields(subject.String()), " ")
	if err := textTemplate.Execute(&text, d); err != nil {
		return email.Message{}, err
	}
	if err := htmlTemplate.Execute(&html, d); err != nil {
		return email.Message{}, err
	}
	return email.Message{
		From:    n.From,
		To:      []string{to},
		Subject: d.Subject,
		Text:    text.String(),
		HTML:    html.String(),
		Headers: []email.Header{
			// RFC 8058 one-click unsubscribe, from this kind of email.
			{Name: "List-Unsubscribe", Value: "<" + d.UnsubscribeURL + ">"},
			{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
		},
	}, nil
}

// Consume notifies each of evs, in order: the events dispatcher's hook
// for the events of one outbox item (a delivery.Consumer). Events already
// mailed are skipped by their marks and unreadable ones are logged and
// skipped; any other error stops it, so the item is handed over again.
func (n *Notifier) Consume(ctx context.Context, evs []events.Event) error {
	for _, ev := range evs {
		_, err := n.Notify(ctx, ev)
		if errors.Is(err, ErrBadEvent) {
			n.Log.ErrorContext(ctx, "event skipped", "event_id", ev.ID, "error", err.Error())
			continue
		}
		if err != nil {
			return fmt.Errorf("notify: event %s: %w", ev.ID, err)
		}
	}
	return nil
}

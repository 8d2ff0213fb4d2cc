package program

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"partnerkit/shared/fault"
	"partnerkit/shared/ledger"
)

// Duration kinds: how long a rule keeps earning on a customer's payments.
const (
	EveryPayment  = "every_payment"  // as long as payments keep coming
	FirstPayments = "first_payments" // the customer's first Count earning payments
	Months        = "months"         // payments fewer than Count months after signup
)

// MaxBPS is 100%.
const MaxBPS = 10000

// MaxPlans bounds the per-plan rules of one document.
const MaxPlans = 100

// Duration says how long a rule earns on one customer.
type Duration struct {
	Kind  string `json:"kind"`
	Count int    `json:"count,omitempty"`
}

// Rule is a rate with its duration.
type Rule struct {
	BPS      int      `json:"bps"`
	Duration Duration `json:"duration"`
}

// SecondTier is the override a partner earns on the commissions of the
// partners who signed up through its link, one level only.
type SecondTier struct {
	BPS int `json:"bps"`
}

// Settings is one version of the program's settings.
type Settings struct {
	Version int `json:"version"`
	// Default applies to payments whose plan has no rule of its own.
	Default Rule `json:"default"`
	// Plans maps a plan key (as payment.succeeded's data.plan names it)
	// to its rule.
	Plans map[string]Rule `json:"plans"`
	// Bounty is a flat amount per currency (minor units) added to the
	// commission of a customer's first earning payment.
	Bounty map[string]int64 `json:"bounty"`
	// Cap bounds, per currency, the commission one customer earns in all.
	Cap map[string]int64 `json:"cap"`
	// SecondTier, when set, earns a referring partner an override.
	SecondTier *SecondTier `json:"second_tier,omitempty"`
	// HoldDays delays a commission's payout by that many days.
	HoldDays int `json:"hold_days"`
	// MinPayout is the payout minimum per currency (minor units);
	// MinPayoutDefault applies to currencies not listed.
	MinPayout        map[string]int64 `json:"min_payout"`
	MinPayoutDefault int64            `json:"min_payout_default"`
	// UpdatedBy and UpdatedAt say who made this version and when
	// ("environment" for version 1, made from the configuration).
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// FromEnvironment is version 1: today's behaviour from COMMISSION_BPS,
// COMMISSION_MONTHS and MIN_PAYOUT, in force until an admin saves another.
func FromEnvironment(bps, months int, minPayout int64) Settings {
	d := Duration{Kind: EveryPayment}
	if months > 0 {
		d = Duration{Kind: Months, Count: months}
	}
	return Settings{
		Version: 1, Default: Rule{BPS: bps, Duration: d},
		Plans: map[string]Rule{}, Bounty: map[string]int64{}, Cap: map[string]int64{}, MinPayout: map[string]int64{},
		MinPayoutDefault: minPayout, UpdatedBy: "environment",
	}
}

var planKey = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// PlanKey normalizes a plan name as billing events carry it: trimmed and
// lower-cased; "" when it is not a well-formed key.
func PlanKey(s string) string {
	k := strings.ToLower(strings.TrimSpace(s))
	if !planKey.MatchString(k) {
		return ""
	}
	return k
}

func invalid(field, format string, args ...any) error {
	return fault.Invalid("%s: %s", field, fmt.Sprintf(format, args...))
}

func (r Rule) validate(field string) error {
	if r.BPS < 0 || r.BPS > MaxBPS {
		return invalid(field+".bps", "a rate must be 0 to %d basis points (10000 = 100%%), not %d.", MaxBPS, r.BPS)
	}
	switch r.Duration.Kind {
	case EveryPayment:
		if r.Duration.Count != 0 {
			return invalid(field+".duration.count", "every_payment takes no count.")
		}
	case FirstPayments, Months:
		if r.Duration.Count < 1 || r.Duration.Count > 1200 {
			return invalid(field+".duration.count", "%s needs a count from 1 to 1200, not %d.", r.Duration.Kind, r.Duration.Count)
		}
	default:
		return invalid(field+".duration.kind", "must be %q, %q or %q.", EveryPayment, FirstPayments, Months)
	}
	return nil
}

func amounts(field string, m map[string]int64) error {
	for _, c := range sortedKeys(m) {
		if cur, err := ledger.Currency(c); err != nil || cur != c {
			return invalid(field+"."+c, "keys are upper-case ISO 4217 currency codes, like USD.")
		}
		if m[c] < 0 || m[c] > ledger.MaxAmount {
			return invalid(field+"."+c, "must be 0 to %d minor units, not %d.", int64(ledger.MaxAmount), m[c])
		}
	}
	return nil
}

// Validate checks a settings document; the error is a 400 naming the
// first field at fault.
func (s Settings) Validate() error {
	if err := s.Default.validate("default"); err != nil {
		return err
	}
	if len(s.Plans) > MaxPlans {
		return invalid("plans", "at most %d plans.", MaxPlans)
	}
	for _, k := range sortedKeys(s.Plans) {
		if k == "" {
			// PlanKey answers "" for a malformed key: never a key itself.
			return invalid("plans", "a plan key is 1 to 64 characters, not empty.")
		}
		if PlanKey(k) != k {
			return invalid("plans."+k, "a plan key is 1 to 64 lower-case letters, digits, '_', '.' or '-', starting with a letter or digit.")
		}
		if err := s.Plans[k].validate("plans." + k); err != nil {
			return err
		}
	}
	for field, m := range map[string]map[string]int64{"bounty": s.Bounty, "cap": s.Cap, "min_payout": s.MinPayout} {
		if err := amounts(field, m); err != nil {
			return err
		}
	}
	if s.SecondTier != nil && (s.SecondTier.BPS < 0 || s.SecondTier.BPS > MaxBPS) {
		return invalid("second_tier.bps", "a rate must be 0 to %d basis points, not %d.", MaxBPS, s.SecondTier.BPS)
	}
	if s.HoldDays < 0 || s.HoldDays > 365 {
		return invalid("hold_days", "must be 0 to 365 days, not %d.", s.HoldDays)
	}
	if s.MinPayoutDefault < 0 || s.MinPayoutDefault > ledger.MaxAmount {
		return invalid("min_payout_default", "must be 0 to %d minor units, not %d.", int64(ledger.MaxAmount), s.MinPayoutDefault)
	}
	return nil
}

// Normalize fills nil maps, so a stored or answered document always has
// every field.
func (s *Settings) Normalize() {
	for _, m := range []*map[string]int64{&s.Bounty, &s.Cap, &s.MinPayout} {
		if *m == nil {
			*m = map[string]int64{}
		}
	}
	if s.Plans == nil {
		s.Plans = map[string]Rule{}
	}
}

// MinPayoutFor is the payout minimum of a currency.
func (s Settings) MinPayoutFor(currency string) int64 {
	if v, ok := s.MinPayout[currency]; ok {
		return v
	}
	return s.MinPayoutDefault
}

// RuleFor returns the rule of a plan and the plan key it applied under:
// an unknown or empty plan earns the default rule (plan "").
func (s Settings) RuleFor(plan string) (Rule, string) {
	if r, ok := s.Plans[plan]; ok && plan != "" {
		return r, plan
	}
	return s.Default, ""
}

// Payment is what the rules need to know of a payment and its customer.
type Payment struct {
	Plan     string
	Currency string
	Amount   int64
	// Number is the payment's place among the customer's earning
	// payments: 1 for the first.
	Number int
	// SignedUp and PaidAt date the months duration.
	SignedUp, PaidAt time.Time
	// EarnedSoFar is the commission the customer earned before, in
	// Currency, for the cap.
	EarnedSoFar int64
}

// Commission is what a payment earns under s, with its basis, or false
// when the rule's duration is over. The rate is rounded half up once, the
// bounty added on the first payment, and the sum cut to what the cap
// leaves.
func (s Settings) Commission(p Payment) (int64, ledger.Basis, bool) {
	rule, plan := s.RuleFor(p.Plan)
	switch rule.Duration.Kind {
	case FirstPayments:
		if p.Number > rule.Duration.Count {
			return 0, ledger.Basis{}, false
		}
	case Months:
		if ledger.MonthsBetween(p.SignedUp, p.PaidAt) >= rule.Duration.Count {
			return 0, ledger.Basis{}, false
		}
	}
	b := ledger.Basis{Version: s.Version, Plan: plan, BPS: rule.BPS, Base: p.Amount}
	c := ledger.Commission(p.Amount, rule.BPS)
	if p.Number == 1 {
		b.Bounty = s.Bounty[p.Currency]
		c += b.Bounty
	}
	if limit, ok := s.Cap[p.Currency]; ok && c > limit-p.EarnedSoFar {
		c, b.Capped = max(0, limit-p.EarnedSoFar), true
	}
	return c, b, true
}

// TierPartner is who earns the second tier on a payment attributed to
// partnerID whose recruiter is upline: upline, or "" when the settings
// have no second tier or it would pay the partner itself. One level only:
// the upline's own recruiter earns nothing. (Attribution records no upline
// for a customer who is the upline's own user, so no one earns on their
// own payments.)
func (s Settings) TierPartner(upline, partnerID string) string {
	if s.SecondTier == nil || s.SecondTier.BPS == 0 || upline == "" || upline == partnerID {
		return ""
	}
	return upline
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

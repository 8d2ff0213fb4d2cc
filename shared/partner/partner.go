package partner

import "time"

// Partner statuses.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// Partner is a partner's profile.
type Partner struct {
	ID        string
	Code      string
	Name      string
	Subject   string // JWT sub of the user who enrolled
	Email     string // kept raw: payout statements need it
	Status    string
	CreatedAt time.Time
	// ReferredBy is the partner who recruited this one: the user who
	// enrolled signed up as a customer attributed to it. The second tier
	// pays it a share of this partner's commissions.
	ReferredBy string
}

// Suspended reports whether the partner is suspended.
func (p Partner) Suspended() bool { return p.Status == StatusSuspended }

// CodeOwner is what the redirect needs to know about a code.
type CodeOwner struct {
	PartnerID string
	Active    bool
}

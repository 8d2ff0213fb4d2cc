package partner

// Kinds of lifecycle email a partner receives, as the preferences API and
// the unsubscribe links name them.
const (
	KindWelcome          = "welcome"
	KindFirstSignup      = "first_signup"
	KindStatementPayable = "statement_payable"
	KindMilestones       = "milestones"
)

// Kinds lists every kind, in the order the API and the center show them.
var Kinds = []string{KindWelcome, KindFirstSignup, KindStatementPayable, KindMilestones}

// KnownKind reports whether k is one of Kinds.
func KnownKind(k string) bool {
	for _, known := range Kinds {
		if k == known {
			return true
		}
	}
	return false
}

// Notifications are a partner's lifecycle email preferences: a kind not
// in Off is on, so every kind is on until the partner turns it off.
type Notifications struct {
	Off map[string]bool
}

// On reports whether emails of kind k go out.
func (n Notifications) On(k string) bool { return !n.Off[k] }

// Set turns kind k on or off.
func (n *Notifications) Set(k string, on bool) {
	if n.Off == nil {
		n.Off = map[string]bool{}
	}
	if on {
		delete(n.Off, k)
	} else {
		n.Off[k] = true
	}
}

package referral

import (
	"testing"
	"time"
)

func TestSlugs(t *testing.T) {
	for in, want := range map[string]string{"Spring-2026": "spring-2026", "a": "a", "yt": "yt"} {
		if got, err := NormalizeSlug(in); err != nil || got != want {
			t.Errorf("NormalizeSlug(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "-a", "a-", "a_b", "a/b", "ü", string(make([]byte, 49))} {
		if _, err := NormalizeSlug(bad); err == nil {
			t.Errorf("NormalizeSlug(%q) accepted", bad)
		}
	}
	for in, want := range map[string]string{"Spring newsletter!": "spring-newsletter", "  YouTube  (bio) ": "youtube-bio", "!!!": ""} {
		if got := SlugFrom(in); got != want {
			t.Errorf("SlugFrom(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSids(t *testing.T) {
	for _, ok := range []string{"nl", "tw-42", "A.b_c"} {
		if !ValidSid(ok) {
			t.Errorf("ValidSid(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", "a b", "<x>", "é", string(make([]byte, 65))} {
		if ValidSid(bad) {
			t.Errorf("ValidSid(%q) = true", bad)
		}
	}
	if ClickSid("q1", "link") != "q1" || ClickSid("", "link") != "link" || ClickSid("bad sid", "link") != "link" {
		t.Error("ClickSid does not prefer a valid ?sid= over the link's")
	}
}

func TestLinkIDsSortByCreation(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	a, b := NewLinkID(t0), NewLinkID(t0.Add(time.Millisecond))
	if !ValidLinkID(a) || !ValidLinkID(b) || !(a[:11] < b[:11]) {
		t.Errorf("ids %q then %q: want valid ids sorting by time", a, b)
	}
	if !ValidLinkID(DefaultLink) || ValidLinkID("ln_000000000O") || ValidLinkID("x") {
		t.Error("ValidLinkID accepts a malformed id or refuses the default")
	}
}

func TestUnique(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	if !Unique(time.Time{}, t0) || Unique(t0, t0.Add(59*time.Minute)) || !Unique(t0, t0.Add(time.Hour)) {
		t.Error("Unique: want a first click and a click an hour later unique, one within the hour not")
	}
}

package email

import (
	"fmt"
	"net/url"
	"strings"

	"partnerkit/shared/config"
	"partnerkit/shared/emailaddr"
)

// Identity is who a function's emails come from: FROM_EMAIL, sent as
// configured (the template's IAM policy allows exactly that address), and
// the site they speak of, LANDING_URL's host.
func Identity(cfg config.Config) (from, site string, err error) {
	from = strings.TrimSpace(cfg.FromEmail)
	if _, err := emailaddr.Normalize(from); err != nil {
		return "", "", fmt.Errorf("config: FROM_EMAIL must be a bare address like partners@example.com")
	}
	landing, err := url.Parse(cfg.LandingURL)
	if err != nil {
		return "", "", fmt.Errorf("config: LANDING_URL: %w", err)
	}
	return from, landing.Host, nil
}

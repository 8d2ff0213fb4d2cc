package invites

import (
	"bytes"
	"embed"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"partnerkit/shared/email"
	"partnerkit/shared/partner"
	"partnerkit/shared/referral"
	"partnerkit/shared/validate"
)

//go:embed templates
var templateFiles embed.FS

// The invite email's templates. The HTML part goes through html/template,
// so the partner's name and message are escaped text there: a partner can
// put neither markup nor a link of its own in the email.
var (
	subjectTemplate = texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/subject.txt"))
	textTemplate    = texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/body.txt"))
	htmlTemplate    = htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/body.html"))
)

// emailData is what the templates show.
type emailData struct {
	Inviter        string // the partner's name, else its email
	Site           string // the host of LANDING_URL
	Link           string // PUBLIC_BASE_URL/r/{code}?inv=<token>
	Message        string // the partner's message, may be empty
	MessageLines   []string
	UnsubscribeURL string
}

// inviter is how the email names the partner: its name, else its
// address (address is the checked one, "" when it has none). A name
// stored before the name rule existed may break it (line breaks, bidi
// overrides); such a name is not shown, and the address stands in for it.
func inviter(p partner.Partner, address string) string {
	switch {
	case p.Name != "" && validate.Name(p.Name) == nil:
		return p.Name
	case address != "":
		return address
	}
	return "A friend"
}

// compose builds the invite of partner p to the address to (normalized,
// with its hash); replyTo is the partner's own address, or "" when it has
// no valid one.
func (h *Handler) compose(p partner.Partner, replyTo, to, hash, message string) (email.Message, error) {
	unsubscribeURL := h.Unsubscribes.URL(h.BaseURL, hash)
	d := emailData{
		Inviter:        inviter(p, replyTo),
		Site:           h.Site,
		Link:           h.BaseURL + "/r/" + p.Code + "?" + referral.InviteParam + "=" + h.Invites.Seal(referral.Invite{PartnerID: p.ID, Code: p.Code, EmailHash: hash}),
		Message:        message,
		UnsubscribeURL: unsubscribeURL,
	}
	if message != "" {
		d.MessageLines = strings.Split(message, "\n")
	}
	var subject, text, html bytes.Buffer
	if err := subjectTemplate.Execute(&subject, d); err != nil {
		return email.Message{}, err
	}
	if err := textTemplate.Execute(&text, d); err != nil {
		return email.Message{}, err
	}
	if err := htmlTemplate.Execute(&html, d); err != nil {
		return email.Message{}, err
	}
	m := email.Message{
		From:    h.From,
		To:      []string{to},
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Text:    text.String(),
		HTML:    html.String(),
		Headers: []email.Header{
			// RFC 8058 one-click unsubscribe: mail clients POST to the URL.
			{Name: "List-Unsubscribe", Value: "<" + unsubscribeURL + ">"},
			{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
		},
	}
	if replyTo != "" {
		m.ReplyTo = []string{replyTo}
	}
	return m, nil
}

// Package access decides which partner an API caller may act on (contract
// section 6): "me" is the caller's own partner, any other id only the
// caller's own, and admins any. Every partner route resolves through it.
package access

import (
	"context"
	"errors"

	"partnerkit/shared/dynamo"
	"partnerkit/shared/httpapi"
	"partnerkit/shared/partner"
)

// Partners is the part of the store Partner reads.
type Partners interface {
	PartnerBySubject(ctx context.Context, sub string) (partner.Partner, error)
	Partner(ctx context.Context, id string) (partner.Partner, error)
}

var _ Partners = (*dynamo.Store)(nil)

// Partner returns the partner id names for caller. A partner asking for
// another partner's id is refused with 403 whether or not it exists, so
// ids cannot be probed; an admin gets 404 for an unknown id; "me" for a
// caller who has not enrolled is 404.
func Partner(ctx context.Context, store Partners, id string, caller httpapi.Caller) (partner.Partner, error) {
	if id == "me" {
		p, err := store.PartnerBySubject(ctx, caller.Subject)
		if errors.Is(err, dynamo.ErrNotFound) {
			return p, httpapi.Errorf(httpapi.CodeNotFound, "You are not a partner yet: POST /partners enrolls you.")
		}
		return p, err
	}
	forbidden := httpapi.Errorf(httpapi.CodeForbidden, "You may only act on your own partner.")
	p, err := store.Partner(ctx, id)
	switch {
	case errors.Is(err, dynamo.ErrNotFound) && caller.Admin:
		return p, httpapi.Errorf(httpapi.CodeNotFound, "No partner has the id %q.", id)
	case errors.Is(err, dynamo.ErrNotFound):
		return p, forbidden
	case err != nil:
		return p, err
	case !caller.Admin && p.Subject != caller.Subject:
		return p, forbidden
	}
	return p, nil
}

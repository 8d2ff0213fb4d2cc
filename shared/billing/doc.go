// Package billing is the billing webhook, POST /webhooks/billing (contract
// sections 4 and 5): paid membership fees and refunds, each recorded once
// by its id, turned into commission and reversal lines of the ledger for
// the partner the customer is attributed to.
package billing

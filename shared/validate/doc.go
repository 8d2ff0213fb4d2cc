// Package validate holds the input rules that more than one route applies,
// so that every route accepts and refuses the same values (contract
// sections 4 and 6): the ids other systems send (ExternalID), the times
// webhooks carry (RecentTime), and the text people write (Text). It is
// pure: callers turn its errors into their own 400 messages.
package validate
